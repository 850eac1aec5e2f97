using EasyParkPlus.Activities.Gateway;
using EasyParkPlus.Data.GatewayApi;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>
/// What the ocpp-gateway reports of its chargers, for the api's charger list and the console: which stations an instance
/// holds a connection to, each EVSE's most telling connector status, the power the facility budget grants it, and the
/// meters of running transactions. Read through the gateway's internal API; when the gateway cannot answer,
/// <see cref="Known"/> is false and every station reads as not online with no status.
/// </summary>
public sealed class GatewayLiveState
{
    public static readonly GatewayLiveState Unknown = new(null);

    private readonly Dictionary<string, StationLiveState> _stations;
    private readonly Dictionary<(string StationId, string TransactionId), TransactionMeter> _meters;

    private GatewayLiveState(ChargerLiveStateResponse? response)
    {
        Known = response is not null;
        _stations = (response?.Stations ?? []).ToDictionary(s => s.StationId, StringComparer.Ordinal);
        _meters = (response?.Transactions ?? []).ToDictionary(t => (t.StationId, t.TransactionId));
    }

    public static GatewayLiveState From(ChargerLiveStateResponse response) => new(response);

    public bool Known { get; }

    public bool IsOnline(string stationId) => _stations.TryGetValue(stationId, out var s) && s.Online;

    /// <summary>The most telling connector status of the station (all EVSEs when <paramref name="evseId"/> is null), or null before any report.</summary>
    public string? Status(string stationId, int? evseId = null) => MostTelling(Evses(stationId, evseId).Select(e => e.Status).OfType<string>());

    /// <summary>Watts allocated to the station (or one of its EVSEs) from its facility's budget.</summary>
    public int AllocatedW(string stationId, int? evseId = null) => Evses(stationId, evseId).Sum(e => e.AllocatedW);

    public TransactionMeter? Meter(string stationId, string transactionId) => _meters.GetValueOrDefault((stationId, transactionId));

    // Same order as the gateway's: a fault hides an available connector on the same station.
    private static readonly string[] StatusOrder = ["Faulted", "Unavailable", "Occupied", "Reserved", "Available"];

    public static string? MostTelling(IEnumerable<string> statuses) =>
        statuses.OrderBy(s => Array.IndexOf(StatusOrder, s) is var i and >= 0 ? i : StatusOrder.Length).FirstOrDefault();

    private IEnumerable<EvseLiveState> Evses(string stationId, int? evseId) =>
        _stations.TryGetValue(stationId, out var s) ? s.Evses.Where(e => evseId is null || e.EvseId == evseId) : [];
}

/// <summary>Reads <see cref="GatewayLiveState"/> from the gateway; never throws for an unreachable or failing gateway.</summary>
public interface IGatewayLiveStateReader
{
    Task<GatewayLiveState> ReadAsync(IReadOnlyCollection<string> stationIds, IReadOnlyCollection<TransactionRef> transactions, CancellationToken ct);
}

/// <summary>No gateway configured (Gateway:BaseUrl empty): live state is unknown.</summary>
public sealed class NoGatewayLiveState : IGatewayLiveStateReader
{
    public Task<GatewayLiveState> ReadAsync(IReadOnlyCollection<string> stationIds, IReadOnlyCollection<TransactionRef> transactions, CancellationToken ct) =>
        Task.FromResult(GatewayLiveState.Unknown);
}

/// <summary>POST /internal/v1/chargers/live-state on the gateway's internal API, with the internal key.</summary>
public sealed partial class GatewayLiveStateClient(HttpClient http, ILogger<GatewayLiveStateClient> logger) : IGatewayLiveStateReader
{
    public async Task<GatewayLiveState> ReadAsync(IReadOnlyCollection<string> stationIds, IReadOnlyCollection<TransactionRef> transactions, CancellationToken ct)
    {
        if (stationIds.Count == 0 && transactions.Count == 0)
        {
            return GatewayLiveState.From(new ChargerLiveStateResponse([], []));
        }
        try
        {
            using var response = await http.PostAsJsonAsync("internal/v1/chargers/live-state",
                new ChargerLiveStateRequest([.. stationIds], [.. transactions]), ct);
            if (!response.IsSuccessStatusCode)
            {
                LogUnavailable(logger, $"HTTP {(int)response.StatusCode}");
                return GatewayLiveState.Unknown;
            }
            return await response.Content.ReadFromJsonAsync<ChargerLiveStateResponse>(ct) is { } live
                ? GatewayLiveState.From(live)
                : GatewayLiveState.Unknown;
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException
                                   || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            // A page of chargers still renders without the gateway: live state shows as unknown.
            LogUnavailable(logger, ex.Message);
            return GatewayLiveState.Unknown;
        }
    }

    public static IServiceCollection Register(IServiceCollection services)
    {
        services.AddHttpClient<IGatewayLiveStateReader, GatewayLiveStateClient>((provider, http) =>
            {
                var options = provider.GetRequiredService<IOptions<GatewayClientOptions>>().Value;
                http.BaseAddress = new Uri(options.BaseUrl.TrimEnd('/') + "/");
                // A page waits for this: short, unlike the command client's wait for a device.
                http.Timeout = TimeSpan.FromSeconds(5);
                http.DefaultRequestHeaders.Add(GatewayClient.KeyHeader, options.InternalApiKey);
            })
            .RedactLoggedHeaders([GatewayClient.KeyHeader]);
        return services;
    }

    [LoggerMessage(EventId = 5040, Level = LogLevel.Warning, Message = "The gateway's charger live state is unavailable ({Reason}); chargers show as unknown")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
