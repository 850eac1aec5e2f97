using EasyParkPlus.Data.GatewayApi;
using EasyParkPlus.OcppGateway.Devices;
using System.Net;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.OcppGateway.Gates;

public enum GateDispatchOutcome
{
    Acknowledged,
    Rejected,
    Offline,
    TimedOut,
    UnknownGate,
}

public sealed record GateDispatchResult(GateDispatchOutcome Outcome, string? Detail = null);

// Runs a command on the instance that holds the gate: here when the socket is ours, otherwise
// forwarded once over HTTP to the owner's internal API (the forwarded request is marked, so it
// never bounces on). No owner anywhere means offline: 503 at once, no waiting.
public sealed class GateCommandDispatcher(
    GateStore store,
    GateCommandSender sender,
    IDeviceOwnership ownership,
    IHttpClientFactory httpClients,
    IOptions<GateOptions> options,
    ILogger<GateCommandDispatcher> logger)
{
    public const string ForwardedHeader = "X-EasyPark-Forwarded-Gate-Command";
    public const string HttpClientName = "gates-forward";

    public async Task<GateDispatchResult> DispatchAsync(string gateId, GateCommand command, IHeaderDictionary requestHeaders,
        CancellationToken cancellationToken)
    {
        if (!await store.GateExistsAsync(gateId, cancellationToken))
        {
            return new(GateDispatchOutcome.UnknownGate);
        }
        if (sender.IsConnectedHere(gateId))
        {
            var result = await sender.SendAsync(gateId, command, cancellationToken);
            return result.Outcome switch
            {
                GateCommandOutcome.Acknowledged => new(GateDispatchOutcome.Acknowledged),
                GateCommandOutcome.Rejected => new(GateDispatchOutcome.Rejected, result.Reason),
                GateCommandOutcome.TimedOut => new(GateDispatchOutcome.TimedOut),
                _ => new(GateDispatchOutcome.Offline),
            };
        }
        if (requestHeaders.ContainsKey(ForwardedHeader))
        {
            return new(GateDispatchOutcome.Offline, $"Gate {gateId} left this instance before the forwarded command arrived.");
        }
        var owner = await ownership.FindOtherOwnerAsync(DeviceKind.Gate, gateId, cancellationToken);
        return owner is null ? new(GateDispatchOutcome.Offline) : await ForwardAsync(owner, gateId, command, requestHeaders, cancellationToken);
    }

    private async Task<GateDispatchResult> ForwardAsync(Uri owner, string gateId, GateCommand command, IHeaderDictionary requestHeaders,
        CancellationToken cancellationToken)
    {
        var (path, body) = command switch
        {
            OpenBarrierCommand open => ("open", (object)new OpenGateRequest(open.SessionId, open.Message)),
            ShowMessageCommand show => ("message", new GateMessageRequest(show.Text)),
            _ => throw new ArgumentOutOfRangeException(nameof(command)),
        };
        var client = httpClients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(owner, $"internal/v1/gates/{Uri.EscapeDataString(gateId)}/{path}"))
        {
            Content = JsonContent.Create(body, body.GetType(), options: GateProtocol.Json),
        };
        // The owner checks the same internal key; pass on what the caller presented.
        foreach (var header in requestHeaders.Where(h => h.Key.StartsWith("X-EasyPark-Internal", StringComparison.OrdinalIgnoreCase)))
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
        }
        request.Headers.Add(ForwardedHeader, "1");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.CommandTimeout + TimeSpan.FromSeconds(5));
        try
        {
            using var response = await client.SendAsync(request, timeout.Token);
            GatesLog.Forwarded(logger, gateId, owner.ToString());
            return response.StatusCode switch
            {
                HttpStatusCode.OK => new(GateDispatchOutcome.Acknowledged),
                HttpStatusCode.NotFound => new(GateDispatchOutcome.UnknownGate),
                HttpStatusCode.Conflict => new(GateDispatchOutcome.Rejected, "The gate controller rejected the command."),
                HttpStatusCode.GatewayTimeout => new(GateDispatchOutcome.TimedOut),
                _ => new(GateDispatchOutcome.Offline, $"The instance holding gate {gateId} answered {(int)response.StatusCode}."),
            };
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new(GateDispatchOutcome.Offline, $"The instance holding gate {gateId} could not be reached.");
        }
    }
}
