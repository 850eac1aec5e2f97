using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Ocpp;

public sealed record PowerReservation(string SessionId, string StationId, int EvseId, int RequestedW);

public sealed record PowerChange(PowerAllocationRow Row, int PreviousW);

public sealed record ReserveOutcome(int AllocatedW, CallOutcome? Failure);

// Owns each facility's budget: the allocations live in gateway.power_allocations, every reserve or release
// re-runs PowerAllocation over the facility's sessions and pushes the changed limits as charging profiles.
// Decreases are pushed before increases, so the limits the stations hold never add up to more than the budget.
public sealed class PowerBudget(OcppStore store, StationCaller caller, IOptions<OcppOptions> options, TimeProvider time,
    ILogger<PowerBudget> logger)
{
    private readonly Dictionary<string, SemaphoreSlim> _facilityLocks = new(StringComparer.Ordinal);

    private SemaphoreSlim FacilityLock(string facilityId)
    {
        lock (_facilityLocks)
        {
            return _facilityLocks.TryGetValue(facilityId, out var gate) ? gate : _facilityLocks[facilityId] = new SemaphoreSlim(1, 1);
        }
    }

    public async Task<ReserveOutcome> ReserveAsync(string facilityId, PowerReservation request, CancellationToken ct)
    {
        var gate = FacilityLock(facilityId);
        await gate.WaitAsync(ct);
        try
        {
            var changes = await RebalanceAsync(facilityId, request, null, ct);
            var mine = changes.Single(change => change.Row.SessionId == request.SessionId);
            var failure = await PushAsync(facilityId, changes, mine, ct);
            if (failure is not null)
            {
                // The station did not take its limit: the session holds no power, the others get it back.
                var undo = await RebalanceAsync(facilityId, null, request.SessionId, ct);
                await PushAsync(facilityId, undo, null, ct);
                return new ReserveOutcome(0, failure);
            }
            return new ReserveOutcome(mine.Row.AllocatedW, null);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task ReleaseAsync(string facilityId, string sessionId, CancellationToken ct)
    {
        var gate = FacilityLock(facilityId);
        await gate.WaitAsync(ct);
        try
        {
            await PushAsync(facilityId, await RebalanceAsync(facilityId, null, sessionId, ct), null, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    // A station that was offline when its limit changed still holds the old one: once it is back, it is sent what
    // the budget holds for it now. Under the facility lock, so a rebalance cannot slip an older value in between.
    public async Task PushCurrentLimitsAsync(string facilityId, string stationId, CancellationToken ct)
    {
        var gate = FacilityLock(facilityId);
        await gate.WaitAsync(ct);
        try
        {
            foreach (var row in (await AllocationsAsync(facilityId, ct)).Where(row => row.StationId == stationId))
            {
                if (await PushOneAsync(row, ct) is { } failure)
                {
                    OcppLog.CallFailed(logger, "SetChargingProfile", stationId, $"{failure.Kind} {failure.ErrorCode} ({facilityId}, on reconnect)");
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<IReadOnlyList<PowerAllocationRow>> AllocationsAsync(string facilityId, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        return await ReadAsync(connection, null, facilityId, ct);
    }

    // Adds/updates or removes one session, re-allocates the facility in one database transaction
    // (an advisory lock per facility keeps instances from interleaving) and returns every session whose limit changed.
    private async Task<IReadOnlyList<PowerChange>> RebalanceAsync(string facilityId, PowerReservation? upsert, string? remove, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('power:' || $1))", connection, transaction))
        {
            lockCommand.Parameters.Add(new() { Value = facilityId });
            await lockCommand.ExecuteNonQueryAsync(ct);
        }
        if (upsert is not null)
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO gateway.power_allocations (facility_id, session_id, station_id, evse_id, requested_w, allocated_w, created_at)
                VALUES ($1, $2, $3, $4, $5, 0, $6)
                ON CONFLICT (facility_id, session_id) DO UPDATE SET station_id = excluded.station_id, evse_id = excluded.evse_id, requested_w = excluded.requested_w
                """, connection, transaction);
            command.Parameters.Add(new() { Value = facilityId });
            command.Parameters.Add(new() { Value = upsert.SessionId });
            command.Parameters.Add(new() { Value = upsert.StationId });
            command.Parameters.Add(new() { Value = upsert.EvseId });
            command.Parameters.Add(new() { Value = upsert.RequestedW });
            command.Parameters.Add(new() { Value = time.GetUtcNow() });
            await command.ExecuteNonQueryAsync(ct);
        }
        var before = await ReadAsync(connection, transaction, facilityId, ct);
        var removed = remove is null ? null : before.FirstOrDefault(row => row.SessionId == remove);
        if (removed is not null)
        {
            await using var command = new NpgsqlCommand("DELETE FROM gateway.power_allocations WHERE facility_id = $1 AND session_id = $2", connection, transaction);
            command.Parameters.Add(new() { Value = facilityId });
            command.Parameters.Add(new() { Value = remove! });
            await command.ExecuteNonQueryAsync(ct);
        }
        var remaining = before.Where(row => row.SessionId != remove).ToList();
        var budget = options.Value.FacilityPowerBudgetW;
        var allocation = PowerAllocation.Allocate(budget, [.. remaining.Select(row => new PowerDemand(row.SessionId, row.RequestedW))]);
        var changes = new List<PowerChange>();
        foreach (var row in remaining)
        {
            var allocated = allocation[row.SessionId];
            if (allocated == row.AllocatedW && row.SessionId != upsert?.SessionId)
            {
                continue;
            }
            await using var command = new NpgsqlCommand("UPDATE gateway.power_allocations SET allocated_w = $3 WHERE facility_id = $1 AND session_id = $2", connection, transaction);
            command.Parameters.Add(new() { Value = facilityId });
            command.Parameters.Add(new() { Value = row.SessionId });
            command.Parameters.Add(new() { Value = allocated });
            await command.ExecuteNonQueryAsync(ct);
            changes.Add(new PowerChange(row with { AllocatedW = allocated }, row.AllocatedW));
        }
        if (removed is not null)
        {
            // The released session's station goes to zero so it cannot keep drawing its old share.
            changes.Add(new PowerChange(removed with { AllocatedW = 0 }, removed.AllocatedW));
        }
        await transaction.CommitAsync(ct);
        OcppLog.Rebalanced(logger, facilityId, remaining.Count, allocation.Values.Sum(w => (long)w), budget);
        return changes;
    }

    private static async Task<IReadOnlyList<PowerAllocationRow>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string facilityId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT session_id, station_id, evse_id, requested_w, allocated_w, created_at FROM gateway.power_allocations
            WHERE facility_id = $1 ORDER BY session_id
            """, connection, transaction);
        command.Parameters.Add(new() { Value = facilityId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<PowerAllocationRow>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new PowerAllocationRow(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4),
                reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return rows;
    }

    // Decreases first (awaited), then increases. Returns the failure of the "watched" session's push, if any.
    private async Task<CallOutcome?> PushAsync(string facilityId, IReadOnlyList<PowerChange> changes, PowerChange? watched, CancellationToken ct)
    {
        CallOutcome? failure = null;
        foreach (var group in new[] { changes.Where(c => c.Row.AllocatedW < c.PreviousW), changes.Where(c => c.Row.AllocatedW >= c.PreviousW) })
        {
            var pushes = group.Select(async change => (change, outcome: await PushOneAsync(change.Row, ct))).ToList();
            foreach (var (change, outcome) in await Task.WhenAll(pushes))
            {
                if (outcome is not null && change.Row.SessionId == watched?.Row.SessionId)
                {
                    failure = outcome;
                }
                else if (outcome is not null)
                {
                    OcppLog.CallFailed(logger, "SetChargingProfile", change.Row.StationId, $"{outcome.Kind} {outcome.ErrorCode} ({facilityId})");
                }
            }
        }
        return failure;
    }

    // Null when the station accepted; otherwise what went wrong (Rejected comes back as an Error outcome).
    private async Task<CallOutcome?> PushOneAsync(PowerAllocationRow row, CancellationToken ct)
    {
        var transactionId = await store.ActiveTransactionAsync(row.StationId, row.EvseId, ct);
        var outcome = await caller.CallAsync(row.StationId, "SetChargingProfile", ChargingProfiles.Limit(row.EvseId, transactionId, row.AllocatedW), ct);
        if (outcome.Kind != CallOutcomeKind.Answered)
        {
            return outcome;
        }
        return outcome.Payload.TryGetProperty("status", out var status) && status.GetString() == "Accepted"
            ? null
            : new CallOutcome(CallOutcomeKind.Error, outcome.Payload, "Rejected", "The station rejected the charging profile.");
    }
}

public static class ChargingProfiles
{
    // One profile per EVSE with a stable id, so each push replaces the previous limit. With a running
    // transaction it is a TxProfile for it; before the transaction starts, the EVSE's TxDefaultProfile.
    public static object Limit(int evseId, string? transactionId, int limitW) => new
    {
        evseId,
        chargingProfile = new
        {
            id = (transactionId is null ? 2000 : 1000) + evseId,
            stackLevel = 0,
            chargingProfilePurpose = transactionId is null ? "TxDefaultProfile" : "TxProfile",
            chargingProfileKind = "Relative",
            transactionId,
            chargingSchedule = new[]
            {
                new
                {
                    id = evseId,
                    chargingRateUnit = "W",
                    chargingSchedulePeriod = new[] { new { startPeriod = 0, limit = limitW } },
                },
            },
        },
    };
}
