using EasyParkPlus.Data.GatewayApi;
using EasyParkPlus.OcppGateway.Devices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Ocpp;

// POST /internal/v1/chargers/live-state: what the gateway knows of its chargers right now, so no other process reads
// the gateway's tables (connections held, connector statuses, power allocations, transaction meters).
public static class LiveStateEndpoints
{
    // Most telling first: a fault hides an available connector on the same EVSE.
    private static readonly string[] StatusOrder = ["Faulted", "Unavailable", "Occupied", "Reserved", "Available"];

    public static IEndpointRouteBuilder MapLiveStateEndpoints(this IEndpointRouteBuilder internalApi)
    {
        internalApi.MapPost("/chargers/live-state", ReadAsync);
        return internalApi;
    }

    public static string? MostTelling(IEnumerable<string> statuses) =>
        statuses.OrderBy(s => Array.IndexOf(StatusOrder, s) is var i and >= 0 ? i : StatusOrder.Length).FirstOrDefault();

    private static async Task<Results<Ok<ChargerLiveStateResponse>, ProblemHttpResult>> ReadAsync(
        ChargerLiveStateRequest? request, NpgsqlDataSource db, TimeProvider time, IOptions<GatewayOptions> options, CancellationToken ct)
    {
        var stations = request?.StationIds ?? [];
        var transactions = request?.Transactions ?? [];
        if (stations.Count + transactions.Count > ChargerLiveStateRequest.MaxItems)
        {
            return Invalid($"Ask for at most {ChargerLiveStateRequest.MaxItems} stations and transactions in one request.");
        }
        if (stations.Any(BadId) || transactions.Any(t => t is null || BadId(t.StationId) || BadId(t.TransactionId)))
        {
            return Invalid($"Station and transaction ids are non-empty text of at most {ChargerLiveStateRequest.MaxIdLength} characters.");
        }
        return TypedResults.Ok(new ChargerLiveStateResponse(
            await StationsAsync(db, [.. stations.Distinct(StringComparer.Ordinal)], time.GetUtcNow(), options.Value.OwnershipLease, ct), await MetersAsync(db, transactions, ct)));
    }

    private static bool BadId(string? id) => string.IsNullOrWhiteSpace(id) || id.Length > ChargerLiveStateRequest.MaxIdLength;

    private static ProblemHttpResult Invalid(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: detail);

    private static async Task<List<StationLiveState>> StationsAsync(NpgsqlDataSource db, string[] stationIds, DateTimeOffset now, TimeSpan lease,
        CancellationToken ct)
    {
        var online = new HashSet<string>(StringComparer.Ordinal);
        var evses = stationIds.ToDictionary(id => id, _ => new SortedDictionary<int, (List<string> Statuses, int AllocatedW)>(), StringComparer.Ordinal);
        await using var command = db.CreateCommand($"""
            SELECT 'online', device_id, 0, NULL, 0 FROM gateway.device_owners
            WHERE kind = 'station' AND device_id = ANY($1) AND {DeviceOwnership.Live("claimed_at", "$2", "$3")}
            UNION ALL SELECT 'status', station_id, evse_id, status, 0 FROM gateway.connector_status WHERE station_id = ANY($1)
            UNION ALL SELECT 'allocation', station_id, evse_id, NULL, allocated_w FROM gateway.power_allocations WHERE station_id = ANY($1)
            """);
        command.Parameters.Add(new() { Value = stationIds });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = lease });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (kind, stationId, evseId) = (reader.GetString(0), reader.GetString(1), reader.GetInt32(2));
            if (kind == "online")
            {
                online.Add(stationId);
                continue;
            }
            (List<string> Statuses, int AllocatedW) evse = evses[stationId].TryGetValue(evseId, out var found) ? found : ([], 0);
            if (kind == "status")
            {
                evse.Statuses.Add(reader.GetString(3));
            }
            else
            {
                evse.AllocatedW += reader.GetInt32(4);
            }
            evses[stationId][evseId] = evse;
        }
        return [.. stationIds.Select(id => new StationLiveState(id, online.Contains(id),
            [.. evses[id].Select(e => new EvseLiveState(e.Key, MostTelling(e.Value.Statuses), e.Value.AllocatedW))]))];
    }

    // The last two register readings of each transaction; power is their difference over the station's clock.
    private static async Task<List<TransactionMeter>> MetersAsync(NpgsqlDataSource db, IReadOnlyList<TransactionRef> transactions, CancellationToken ct)
    {
        if (transactions.Count == 0)
        {
            return [];
        }
        await using var command = db.CreateCommand("""
            SELECT r.station_id, r.transaction_id, last.energy_wh,
                   CASE WHEN last.device_time > prev.device_time
                        THEN greatest((last.energy_wh - prev.energy_wh) * 3600.0 / extract(epoch FROM last.device_time - prev.device_time), 0)::int END
            FROM unnest($1::text[], $2::text[]) AS r(station_id, transaction_id)
            LEFT JOIN LATERAL (SELECT t.energy_wh, t.device_time FROM gateway.transaction_events t
                WHERE t.station_id = r.station_id AND t.transaction_id = r.transaction_id AND t.energy_wh IS NOT NULL
                ORDER BY t.seq_no DESC LIMIT 1) last ON true
            LEFT JOIN LATERAL (SELECT t.energy_wh, t.device_time FROM gateway.transaction_events t
                WHERE t.station_id = r.station_id AND t.transaction_id = r.transaction_id AND t.energy_wh IS NOT NULL
                ORDER BY t.seq_no DESC OFFSET 1 LIMIT 1) prev ON true
            """);
        command.Parameters.Add(new() { Value = transactions.Select(t => t.StationId).ToArray() });
        command.Parameters.Add(new() { Value = transactions.Select(t => t.TransactionId).ToArray() });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var meters = new List<TransactionMeter>();
        while (await reader.ReadAsync(ct))
        {
            meters.Add(new TransactionMeter(reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetInt32(3)));
        }
        return meters;
    }
}
