using Npgsql;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>
/// What the ocpp-gateway records of its chargers, read for the api's charger list and the console: which stations an
/// instance holds a connection to, each EVSE's connector statuses (its most telling one) and the power the facility
/// budget grants it now.
/// </summary>
public sealed class GatewayLiveState
{
    // Most telling first: a fault hides an available connector on the same EVSE or station.
    private static readonly string[] StatusOrder = ["Faulted", "Unavailable", "Occupied", "Reserved", "Available"];

    private readonly HashSet<string> _online = new(StringComparer.Ordinal);
    private readonly List<(string StationId, int EvseId, string Status)> _statuses = [];
    private readonly List<(string StationId, int EvseId, int AllocatedW)> _allocations = [];

    public bool IsOnline(string stationId) => _online.Contains(stationId);

    /// <summary>The most telling connector status of the station (all EVSEs when <paramref name="evseId"/> is null), or null before any report.</summary>
    public string? Status(string stationId, int? evseId = null) => MostTelling(
        _statuses.Where(s => s.StationId == stationId && (evseId is null || s.EvseId == evseId)).Select(s => s.Status));

    /// <summary>Watts allocated to the station (or one of its EVSEs) from its facility's budget.</summary>
    public int AllocatedW(string stationId, int? evseId = null) =>
        _allocations.Where(a => a.StationId == stationId && (evseId is null || a.EvseId == evseId)).Sum(a => a.AllocatedW);

    public static string? MostTelling(IEnumerable<string> statuses) =>
        statuses.OrderBy(s => Array.IndexOf(StatusOrder, s) is var i and >= 0 ? i : StatusOrder.Length).FirstOrDefault();

    public static async Task<GatewayLiveState> ReadAsync(NpgsqlDataSource db, IReadOnlyCollection<string> stationIds, CancellationToken ct)
    {
        var state = new GatewayLiveState();
        var stations = stationIds.ToArray();
        await using var command = db.CreateCommand("""
            SELECT 'online', station_id, 0, NULL, 0 FROM gateway.station_owners WHERE station_id = ANY($1)
            UNION ALL SELECT 'status', station_id, evse_id, status, 0 FROM gateway.connector_status WHERE station_id = ANY($1)
            UNION ALL SELECT 'allocation', station_id, evse_id, NULL, allocated_w FROM gateway.power_allocations WHERE station_id = ANY($1)
            """);
        command.Parameters.Add(new() { Value = stations });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (kind, stationId, evseId) = (reader.GetString(0), reader.GetString(1), reader.GetInt32(2));
            switch (kind)
            {
                case "online":
                    state._online.Add(stationId);
                    break;
                case "status":
                    state._statuses.Add((stationId, evseId, reader.GetString(3)));
                    break;
                default:
                    state._allocations.Add((stationId, evseId, reader.GetInt32(4)));
                    break;
            }
        }
        return state;
    }
}
