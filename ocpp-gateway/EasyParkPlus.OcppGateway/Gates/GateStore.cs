using EasyParkPlus.OcppGateway.Devices;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Gates;

public sealed record GateRecord(string Id, string FacilityId, string Lane, string SecretHash);

public enum GateEventStoreResult
{
    Accepted,
    Duplicate,
}

public enum GateCommandStatus
{
    Sent,
    Acknowledged,
    Rejected,
    TimedOut,
    Offline,
}

// The gates schema (migration 0006) through plain SQL on the process's NpgsqlDataSource: the
// outbox claim needs FOR UPDATE SKIP LOCKED and ON CONFLICT, which read best as SQL.
public sealed class GateStore(NpgsqlDataSource dataSource)
{
    // gates.events as the outbox sees them: one vehicle's events at a facility in arrival order, so an exit never
    // overtakes its entry, while other vehicles' events go on.
    public OutboxTable Outbox { get; } = new(dataSource, "gates.events", "facility_id, plate",
        "t.event_id, t.gate_id, t.facility_id, t.direction, t.plate, t.device_time, t.photo_ref, t.received_at, t.clock_flag", ReadGateEvent);

    private static (string EventId, object Event) ReadGateEvent(NpgsqlDataReader reader, int i)
    {
        var e = new GateVehicleDetected(reader.GetString(i), reader.GetString(i + 1), reader.GetString(i + 2),
            GateProtocol.ParseDirection(reader.GetString(i + 3)) == GateDirection.Entry ? GateEventDirection.Entry : GateEventDirection.Exit,
            reader.GetString(i + 4), reader.GetFieldValue<DateTimeOffset>(i + 5), reader.IsDBNull(i + 6) ? null : reader.GetString(i + 6))
        {
            ReceivedAt = reader.GetFieldValue<DateTimeOffset>(i + 7),
            ClockFlag = reader.IsDBNull(i + 8) ? null : reader.GetString(i + 8),
        };
        return (e.EventId, e);
    }

    public async Task<GateRecord?> FindGateAsync(string gateId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, facility_id, lane, secret_hash FROM gates.gates WHERE id = $1 AND disabled_at IS NULL");
        command.Parameters.Add(new() { Value = gateId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new GateRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3))
            : null;
    }

    public async Task<bool> GateExistsAsync(string gateId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT 1 FROM gates.gates WHERE id = $1 AND disabled_at IS NULL");
        command.Parameters.Add(new() { Value = gateId });
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    // Inserts or keeps (on a replayed event id) each event, all in one transaction, so a batch is
    // either stored completely or not at all. The result says, per event, whether it was new.
    public async Task<IReadOnlyList<GateEventStoreResult>> StoreEventsAsync(GateRecord gate, IReadOnlyList<GateEventInput> events,
        IReadOnlyList<string?> clockFlags, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var results = new List<GateEventStoreResult>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            await using var command = new NpgsqlCommand("""
                INSERT INTO gates.events (gate_id, event_id, facility_id, direction, plate, device_time, photo_ref, received_at, next_attempt_at, clock_flag)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)
                ON CONFLICT (gate_id, event_id) DO NOTHING
                RETURNING seq
                """, connection, transaction);
            command.Parameters.Add(new() { Value = gate.Id });
            command.Parameters.Add(new() { Value = e.EventId });
            command.Parameters.Add(new() { Value = gate.FacilityId });
            command.Parameters.Add(new() { Value = GateProtocol.ToText(e.Direction) });
            command.Parameters.Add(new() { Value = e.Plate });
            command.Parameters.Add(new() { Value = e.Timestamp });
            command.Parameters.Add(new() { Value = (object?)e.PhotoRef ?? DBNull.Value });
            command.Parameters.Add(new() { Value = now });
            command.Parameters.Add(new() { Value = (object?)clockFlags[i] ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            var seq = await command.ExecuteScalarAsync(cancellationToken);
            results.Add(seq is null ? GateEventStoreResult.Duplicate : GateEventStoreResult.Accepted);
        }
        await transaction.CommitAsync(cancellationToken);
        return results;
    }

    public async Task RecordCommandAsync(Guid commandId, string gateId, string kind, string? sessionId, string? text,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO gates.commands (id, gate_id, kind, session_id, text, status, created_at) VALUES ($1, $2, $3, $4, $5, 'sent', $6)
            """);
        command.Parameters.Add(new() { Value = commandId });
        command.Parameters.Add(new() { Value = gateId });
        command.Parameters.Add(new() { Value = kind });
        command.Parameters.Add(new() { Value = (object?)sessionId ?? DBNull.Value });
        command.Parameters.Add(new() { Value = (object?)text ?? DBNull.Value });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task CompleteCommandAsync(Guid commandId, GateCommandStatus status, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE gates.commands SET status = $2, completed_at = $3 WHERE id = $1");
        command.Parameters.Add(new() { Value = commandId });
        command.Parameters.Add(new() { Value = StatusText(status) });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // Idempotent: a gate that exists keeps its password (an operator may have rotated it), and a
    // facility that is not seeded yet gets no gate (false) instead of a foreign-key failure.
    public async Task<bool> EnsureGateAsync(string gateId, string facilityId, string lane, string secretHash, string? description,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO gates.gates (id, facility_id, lane, secret_hash, description)
            SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM parking.facilities WHERE id = $2)
            ON CONFLICT (id) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = gateId });
        command.Parameters.Add(new() { Value = facilityId });
        command.Parameters.Add(new() { Value = lane });
        command.Parameters.Add(new() { Value = secretHash });
        command.Parameters.Add(new() { Value = (object?)description ?? DBNull.Value });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static string StatusText(GateCommandStatus status) => status switch
    {
        GateCommandStatus.Sent => "sent",
        GateCommandStatus.Acknowledged => "acknowledged",
        GateCommandStatus.Rejected => "rejected",
        GateCommandStatus.TimedOut => "timedOut",
        _ => "offline",
    };
}
