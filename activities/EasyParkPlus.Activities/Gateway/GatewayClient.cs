using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using EasyParkPlus.Data.GatewayApi;
using Microsoft.Extensions.Logging;

namespace EasyParkPlus.Activities.Gateway;

/// <summary>
/// <see cref="IGatewayClient"/> over the ocpp-gateway's internal command API (<c>/internal/v1</c>, JSON camelCase,
/// header <c>X-EasyPark-Internal-Key</c>). Failures are only classified, never retried here: the activity retry policy
/// of the workflow engine owns retries. 503/504/other 5xx, timeouts and unreachable gateway →
/// <see cref="GatewayUnavailableException"/>; 4xx (400 invalid, 401 key, 404 unknown device, 409 rejected) →
/// <see cref="GatewayRejectedException"/>.
/// </summary>
public sealed partial class GatewayClient(HttpClient http, ILogger<GatewayClient> logger) : IGatewayClient
{
    public const string KeyHeader = "X-EasyPark-Internal-Key";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public async Task<StartTransactionResult> StartTransactionAsync(string stationId, int evseId, string idToken, int remoteStartId, CancellationToken cancellationToken)
    {
        var reply = await SendAsync<StatusReply>(
            $"internal/v1/stations/{Escape(stationId)}/start-transaction", new { evseId, idToken, remoteStartId }, cancellationToken);
        return new StartTransactionResult(IsAccepted(reply.Status), reply.TransactionId);
    }

    public async Task<bool> StopTransactionAsync(string stationId, string transactionId, CancellationToken cancellationToken)
    {
        var reply = await SendAsync<StatusReply>(
            $"internal/v1/stations/{Escape(stationId)}/stop-transaction", new { transactionId }, cancellationToken);
        return IsAccepted(reply.Status);
    }

    public async Task<int> ReservePowerAsync(string facilityId, PowerRequest request, CancellationToken cancellationToken)
    {
        var reply = await SendAsync<PowerReply>(
            $"internal/v1/facilities/{Escape(facilityId)}/power/reserve",
            new { request.SessionId, request.StationId, request.EvseId, request.RequestedW }, cancellationToken);
        return reply.AllocatedW;
    }

    public Task ReleasePowerAsync(string facilityId, string sessionId, CancellationToken cancellationToken)
        => SendAsync<NoReply>($"internal/v1/facilities/{Escape(facilityId)}/power/release", new { sessionId }, cancellationToken);

    public async Task OpenGateAsync(string gateId, string sessionId, string? message, CancellationToken cancellationToken)
        => EnsureAcknowledged(await SendAsync<AckReply>($"internal/v1/gates/{Escape(gateId)}/open", new { sessionId, message }, cancellationToken), gateId);

    public async Task ShowGateMessageAsync(string gateId, string text, CancellationToken cancellationToken)
        => EnsureAcknowledged(await SendAsync<AckReply>($"internal/v1/gates/{Escape(gateId)}/message", new { text }, cancellationToken), gateId);

    public async Task<IReadOnlyList<TransactionEventReading>> ReadTransactionEventsAsync(string stationId, string transactionId, CancellationToken cancellationToken)
    {
        var reply = await SendAsync<TransactionEventsResponse>(
            "internal/v1/chargers/transaction-events", new TransactionEventsRequest(stationId, transactionId), cancellationToken);
        return reply.Events;
    }

    private async Task<T> SendAsync<T>(string path, object body, CancellationToken cancellationToken)
        where T : class
    {
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(path, body, Json, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            Unreachable(logger, path, ex.Message);
            throw new GatewayUnavailableException($"The gateway could not be reached ({path}): {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout elapsed (not the caller's cancellation).
            Unreachable(logger, path, "timeout");
            throw new GatewayUnavailableException($"The gateway did not answer in time ({path}).", ex);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                if (typeof(T) == typeof(NoReply) || response.StatusCode == HttpStatusCode.NoContent)
                {
                    return (NoReply.Instance as T)!;
                }
                return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                    ?? throw new GatewayUnavailableException($"The gateway sent an empty answer ({path}).");
            }

            var detail = await ReadProblemAsync(response, cancellationToken);
            var status = (int)response.StatusCode;
            Failed(logger, path, status, detail);
            if (status >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout || response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                throw new GatewayUnavailableException($"Gateway {status} for {path}: {detail}");
            }
            throw new GatewayRejectedException($"Gateway {status} for {path}: {detail}");
        }
    }

    private static async Task<string> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<Problem>(Json, cancellationToken);
            return problem?.Detail ?? problem?.Title ?? response.ReasonPhrase ?? "no detail";
        }
        catch (JsonException)
        {
            return response.ReasonPhrase ?? "no detail";
        }
    }

    private static void EnsureAcknowledged(AckReply reply, string gateId)
    {
        if (!reply.Acknowledged)
        {
            throw new GatewayRejectedException($"Gate {gateId} did not acknowledge the command.");
        }
    }

    private static bool IsAccepted(string? status) => string.Equals(status, "Accepted", StringComparison.Ordinal);

    private static string Escape(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return Uri.EscapeDataString(id);
    }

    private sealed record StatusReply(string? Status, string? TransactionId);

    private sealed record PowerReply(int AllocatedW);

    private sealed record AckReply(bool Acknowledged);

    private sealed record Problem(string? Title, string? Detail);

    private sealed class NoReply
    {
        public static readonly NoReply Instance = new();
    }

    [LoggerMessage(EventId = 4600, Level = LogLevel.Warning, Message = "Gateway call {Path} failed: {Reason}")]
    private static partial void Unreachable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 4601, Level = LogLevel.Warning, Message = "Gateway call {Path} answered {Status}: {Detail}")]
    private static partial void Failed(ILogger logger, string path, int status, string detail);
}
