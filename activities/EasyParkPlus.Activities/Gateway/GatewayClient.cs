using System.Net;
using System.Text.Json;
using EasyParkPlus.Data.GatewayApi;
using Microsoft.Extensions.Logging;
using Refit;

namespace EasyParkPlus.Activities.Gateway;

/// <summary>
/// <see cref="IGatewayClient"/> over the ocpp-gateway's internal command API, sent by Refit (<see cref="IGatewayApi"/>).
/// Failures are only classified, never retried here: the workflow's activity retry policy owns retries.
/// 503/504/other 5xx, 408/429, timeouts and an unreachable gateway → <see cref="GatewayUnavailableException"/>;
/// other 4xx (400 invalid, 401 key, 404 unknown device, 409 rejected) → <see cref="GatewayRejectedException"/>.
/// </summary>
public sealed partial class GatewayClient(IGatewayApi api, ILogger<GatewayClient> logger) : IGatewayClient
{
    public const string KeyHeader = "X-EasyPark-Internal-Key";

    public async Task<StartTransactionResult> StartTransactionAsync(string stationId, int evseId, string idToken, int remoteStartId, CancellationToken cancellationToken)
    {
        var reply = await CallAsync("start-transaction", ct => api.StartTransactionAsync(Id(stationId), new StartTransactionRequest(evseId, idToken, remoteStartId), ct), cancellationToken);
        return new StartTransactionResult(IsAccepted(reply.Status), reply.TransactionId);
    }

    public async Task<bool> StopTransactionAsync(string stationId, string transactionId, CancellationToken cancellationToken) =>
        IsAccepted((await CallAsync("stop-transaction", ct => api.StopTransactionAsync(Id(stationId), new StopTransactionRequest(transactionId), ct), cancellationToken)).Status);

    public async Task<int> ReservePowerAsync(string facilityId, PowerRequest request, CancellationToken cancellationToken) =>
        (await CallAsync("power/reserve", ct => api.ReservePowerAsync(Id(facilityId),
            new ReservePowerRequest(request.SessionId, request.StationId, request.EvseId, request.RequestedW), ct), cancellationToken)).AllocatedW;

    public Task ReleasePowerAsync(string facilityId, string sessionId, CancellationToken cancellationToken) =>
        CallAsync("power/release", async ct =>
        {
            await api.ReleasePowerAsync(Id(facilityId), new ReleasePowerRequest(sessionId), ct);
            return true;
        }, cancellationToken);

    public async Task OpenGateAsync(string gateId, string sessionId, string? message, CancellationToken cancellationToken) =>
        EnsureAcknowledged(await CallAsync("gates/open", ct => api.OpenGateAsync(Id(gateId), new OpenGateRequest(sessionId, message), ct), cancellationToken), gateId);

    public async Task ShowGateMessageAsync(string gateId, string text, CancellationToken cancellationToken) =>
        EnsureAcknowledged(await CallAsync("gates/message", ct => api.ShowGateMessageAsync(Id(gateId), new GateMessageRequest(text), ct), cancellationToken), gateId);

    public async Task<IReadOnlyList<TransactionEventReading>> ReadTransactionEventsAsync(string stationId, string transactionId, CancellationToken cancellationToken) =>
        (await CallAsync("chargers/transaction-events", ct => api.ReadTransactionEventsAsync(new TransactionEventsRequest(stationId, transactionId), ct), cancellationToken)).Events;

    private async Task<T> CallAsync<T>(string command, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken) ?? throw new GatewayUnavailableException($"The gateway sent an empty answer ({command}).");
        }
        catch (ApiException ex)
        {
            var status = (int)ex.StatusCode;
            var detail = ProblemText(ex.Content) ?? ex.ReasonPhrase;
            Failed(logger, command, status, detail ?? "no detail");
            if (status >= 500 || ex.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
            {
                throw new GatewayUnavailableException($"Gateway {status} for {command}: {detail}", ex);
            }
            throw new GatewayRejectedException($"Gateway {status} for {command}: {detail}");
        }
        catch (HttpRequestException ex)
        {
            Unreachable(logger, command, ex.Message);
            throw new GatewayUnavailableException($"The gateway could not be reached ({command}): {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout elapsed (not the caller's cancellation).
            Unreachable(logger, command, "timeout");
            throw new GatewayUnavailableException($"The gateway did not answer in time ({command}).", ex);
        }
    }

    // The gateway's problem details: their detail (else title), so the failure says what the device or gateway refused.
    private static string? ProblemText(string? content)
    {
        if (string.IsNullOrEmpty(content))
        {
            return null;
        }
        try
        {
            using var problem = JsonDocument.Parse(content);
            return problem.RootElement.ValueKind != JsonValueKind.Object ? null
                : problem.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String ? detail.GetString()
                : problem.RootElement.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String ? title.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void EnsureAcknowledged(GateCommandResponse reply, string gateId)
    {
        if (!reply.Acknowledged)
        {
            throw new GatewayRejectedException($"Gate {gateId} did not acknowledge the command.");
        }
    }

    private static bool IsAccepted(string? status) => string.Equals(status, "Accepted", StringComparison.Ordinal);

    // Refit escapes path values; an empty one would change the route.
    private static string Id(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return id;
    }

    [LoggerMessage(EventId = 4600, Level = LogLevel.Warning, Message = "Gateway call {Path} failed: {Reason}")]
    private static partial void Unreachable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 4601, Level = LogLevel.Warning, Message = "Gateway call {Path} answered {Status}: {Detail}")]
    private static partial void Failed(ILogger logger, string path, int status, string detail);
}
