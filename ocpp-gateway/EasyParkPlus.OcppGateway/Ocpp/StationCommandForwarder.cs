using EasyParkPlus.OcppGateway.Devices;
using System.Net;
using System.Text.Json;
using EasyParkPlus.OcppGateway.Internal;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.OcppGateway.Ocpp;

// Several gateway instances: a CALL for a station connected to another instance is sent there through its
// generic /internal/v1/stations/{id}/calls/{action}; the HTTP status maps back onto the call outcome.
public sealed class StationCommandForwarder(IDeviceOwnership ownership, IHttpClientFactory httpClients, IOptions<GatewayOptions> gateway,
    IOptions<OcppOptions> ocpp)
{
    public const string HttpClientName = "ocpp-forward";

    // Null when no other instance holds the station (it is offline).
    public async Task<CallOutcome?> TryForwardAsync(string stationId, string action, object payload, CancellationToken ct)
    {
        if (await ownership.FindOtherOwnerAsync(DeviceKind.Station, stationId, ct) is not { } owner)
        {
            return null;
        }
        var client = httpClients.CreateClient(HttpClientName);
        // A little longer than the owner's own CALL timeout, so its 504 arrives rather than our cancellation.
        client.Timeout = ocpp.Value.CallTimeout + TimeSpan.FromSeconds(5);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(owner, $"internal/v1/stations/{Uri.EscapeDataString(stationId)}/calls/{action}"))
        {
            Content = JsonContent.Create(payload, options: OcppFraming.Json),
        };
        request.Headers.Add(InternalApi.KeyHeader, gateway.Value.InternalApiKey);
        try
        {
            using var response = await client.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => new CallOutcome(CallOutcomeKind.Answered, JsonDocument.Parse(body).RootElement.Clone()),
                HttpStatusCode.GatewayTimeout => new CallOutcome(CallOutcomeKind.TimedOut, default),
                HttpStatusCode.Conflict => new CallOutcome(CallOutcomeKind.Error, default, "Rejected", body),
                _ => new CallOutcome(CallOutcomeKind.Offline, default),
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // The owner instance is gone; its claim is stale until the station reconnects.
            return new CallOutcome(CallOutcomeKind.Offline, default);
        }
    }
}

// Where a CALL goes: the local socket, or the instance holding the station.
public sealed class StationCaller(StationRegistry registry, StationCommandForwarder forwarder)
{
    public async Task<CallOutcome> CallAsync(string stationId, string action, object payload, CancellationToken ct)
    {
        if (registry.Find(stationId) is { } local)
        {
            return await local.CallAsync(action, payload, ct);
        }
        return await forwarder.TryForwardAsync(stationId, action, payload, ct) ?? new CallOutcome(CallOutcomeKind.Offline, default);
    }

    public bool IsLocal(string stationId) => registry.Find(stationId) is not null;
}
