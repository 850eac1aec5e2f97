using System.Text.Json;
using EasyParkPlus.OcppGateway.Devices;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Ocpp;

public sealed record StationRecord(string StationId, string FacilityId, string? SecretHash);

public sealed record PowerAllocationRow(string SessionId, string StationId, int EvseId, int RequestedW, int AllocatedW, DateTimeOffset CreatedAt);

public enum IdTokenStanding { Unknown, Invalid, Accepted }

// The gateway schema (migration 0005) and the chargers (0001) through SQL on the process's NpgsqlDataSource.
public sealed class OcppStore(NpgsqlDataSource dataSource)
{
    // gateway.transaction_events as the outbox sees them: each transaction's events in arrival order.
    public OutboxTable Outbox { get; } = new(dataSource, "gateway.transaction_events", "station_id, transaction_id", """
        t.station_id, COALESCE(t.evse_id, 0), t.connector_id, t.transaction_id, t.event_type, t.seq_no, t.device_time, t.trigger_reason,
        t.charging_state, t.energy_wh, t.id_token, t.remote_start_id, t.stopped_reason, t.offline, t.id_token_type, t.id_token_status
        """, ReadTransactionEvent);

    private static (string EventId, object Event) ReadTransactionEvent(NpgsqlDataReader reader, int i)
    {
        var e = new ChargerTransactionEvent(
            reader.GetString(i), reader.GetInt32(i + 1), reader.IsDBNull(i + 2) ? null : reader.GetInt32(i + 2), reader.GetString(i + 3),
            Enum.Parse<TransactionEventType>(reader.GetString(i + 4)), reader.GetInt32(i + 5), reader.GetFieldValue<DateTimeOffset>(i + 6),
            reader.GetString(i + 7), reader.IsDBNull(i + 8) ? null : reader.GetString(i + 8), reader.IsDBNull(i + 9) ? null : reader.GetInt64(i + 9),
            reader.IsDBNull(i + 10) ? null : reader.GetString(i + 10), reader.IsDBNull(i + 11) ? null : reader.GetInt32(i + 11),
            reader.IsDBNull(i + 12) ? null : reader.GetString(i + 12), reader.GetBoolean(i + 13))
        {
            IdTokenType = reader.IsDBNull(i + 14) ? null : reader.GetString(i + 14),
            IdTokenStatus = reader.IsDBNull(i + 15) ? null : reader.GetString(i + 15),
        };
        return (e.DedupeId, e);
    }

    public async Task<StationRecord?> FindStationAsync(string stationId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.station_id, c.facility_id, s.secret_hash
            FROM charging.chargers c LEFT JOIN gateway.station_credentials s ON s.station_id = c.station_id AND s.revoked_at IS NULL
            WHERE c.station_id = $1
            """);
        command.Parameters.Add(new() { Value = stationId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new StationRecord(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;
    }

    public async Task<IReadOnlyList<string>> StationsWithoutCredentialsAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.station_id FROM charging.chargers c
            WHERE NOT EXISTS (SELECT 1 FROM gateway.station_credentials s WHERE s.station_id = c.station_id)
            ORDER BY c.station_id
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var ids = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    public async Task<bool> SetCredentialAsync(string stationId, string secretHash, bool overwrite, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(overwrite
            ? """
              INSERT INTO gateway.station_credentials (station_id, secret_hash) VALUES ($1, $2)
              ON CONFLICT (station_id) DO UPDATE SET secret_hash = excluded.secret_hash, revoked_at = NULL
              """
            : "INSERT INTO gateway.station_credentials (station_id, secret_hash) VALUES ($1, $2) ON CONFLICT (station_id) DO NOTHING");
        command.Parameters.Add(new() { Value = stationId });
        command.Parameters.Add(new() { Value = secretHash });
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task RecordBootAsync(string stationId, string vendor, string model, string? serial, string? firmware, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE charging.chargers SET vendor = $2, model = $3, serial_number = $4, firmware_version = $5, last_boot_at = $6
            WHERE station_id = $1
            """);
        command.Parameters.Add(new() { Value = stationId });
        command.Parameters.Add(new() { Value = vendor });
        command.Parameters.Add(new() { Value = model });
        command.Parameters.Add(new() { Value = (object?)serial ?? DBNull.Value });
        command.Parameters.Add(new() { Value = (object?)firmware ?? DBNull.Value });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(ct);
    }

    // A late (older) notification does not overwrite a newer state.
    public async Task UpsertConnectorStatusAsync(ConnectorStatusChanged status, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO gateway.connector_status (station_id, evse_id, connector_id, status, device_time, received_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (station_id, evse_id, connector_id) DO UPDATE
            SET status = excluded.status, device_time = excluded.device_time, received_at = excluded.received_at
            WHERE gateway.connector_status.device_time <= excluded.device_time
            """);
        command.Parameters.Add(new() { Value = status.StationId });
        command.Parameters.Add(new() { Value = status.EvseId });
        command.Parameters.Add(new() { Value = status.ConnectorId });
        command.Parameters.Add(new() { Value = status.Status });
        command.Parameters.Add(new() { Value = status.Timestamp });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(ct);
    }

    // True when new; a replayed (stationId, transactionId, seqNo) is kept as first stored. An event
    // without an EVSE takes the one named earlier in the same transaction.
    public async Task<bool> StoreTransactionEventAsync(ChargerTransactionEvent e, JsonElement payload, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO gateway.transaction_events (station_id, transaction_id, seq_no, event_type, evse_id, connector_id, device_time,
                trigger_reason, charging_state, energy_wh, id_token, remote_start_id, stopped_reason, offline, payload, received_at, next_attempt_at,
                id_token_type, id_token_status)
            VALUES ($1, $2, $3, $4,
                COALESCE($5, (SELECT t.evse_id FROM gateway.transaction_events t WHERE t.station_id = $1 AND t.transaction_id = $2 AND t.evse_id IS NOT NULL LIMIT 1)),
                $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16, $16, $17, $18)
            ON CONFLICT (station_id, transaction_id, seq_no) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = e.StationId });
        command.Parameters.Add(new() { Value = e.TransactionId });
        command.Parameters.Add(new() { Value = e.SeqNo });
        command.Parameters.Add(new() { Value = e.EventType.ToString() });
        command.Parameters.Add(new() { Value = e.EvseId > 0 ? e.EvseId : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = (object?)e.ConnectorId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = e.Timestamp });
        command.Parameters.Add(new() { Value = e.TriggerReason });
        command.Parameters.Add(new() { Value = (object?)e.ChargingState ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)e.EnergyWh ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = (object?)e.IdToken ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)e.RemoteStartId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = (object?)e.StoppedReason ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = e.Offline });
        command.Parameters.Add(new() { Value = payload.GetRawText() });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = (object?)e.IdTokenType ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)e.IdTokenStatus ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task StoreMeterValuesAsync(string stationId, int evseId, long? energyWh, JsonElement payload, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO gateway.meter_values (station_id, evse_id, energy_wh, payload, received_at) VALUES ($1, $2, $3, $4::jsonb, $5)");
        command.Parameters.Add(new() { Value = stationId });
        command.Parameters.Add(new() { Value = evseId });
        command.Parameters.Add(new() { Value = (object?)energyWh ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = payload.GetRawText() });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(ct);
    }

    // A known token is accepted while its customer has an active subscription or a saved card;
    // "Central" tokens are customer ids issued by our own app (RequestStartTransaction).
    public async Task<IdTokenStanding> CheckIdTokenAsync(string idToken, string type, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            WITH holder AS (
                SELECT t.customer_id, t.blocked FROM gateway.id_tokens t WHERE t.id_token = $1
                UNION ALL
                SELECT c.id, false FROM accounts.customers c WHERE $2 = 'Central' AND c.id::text = lower($1))
            SELECT h.blocked,
                   EXISTS (SELECT 1 FROM billing.subscriptions s WHERE s.customer_id = h.customer_id AND s.status = 'active')
                   OR EXISTS (SELECT 1 FROM accounts.payment_methods p WHERE p.customer_id = h.customer_id)
                   OR $2 = 'Central'
            FROM holder h LIMIT 1
            """);
        command.Parameters.Add(new() { Value = idToken });
        command.Parameters.Add(new() { Value = type });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return IdTokenStanding.Unknown;
        }
        return !reader.GetBoolean(0) && reader.GetBoolean(1) ? IdTokenStanding.Accepted : IdTokenStanding.Invalid;
    }

    // The transaction currently open on an EVSE (Started/Updated seen, no Ended), for a TxProfile.
    public async Task<string?> ActiveTransactionAsync(string stationId, int evseId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT t.transaction_id FROM gateway.transaction_events t
            WHERE t.station_id = $1 AND t.evse_id = $2
              AND NOT EXISTS (SELECT 1 FROM gateway.transaction_events e WHERE e.station_id = t.station_id AND e.transaction_id = t.transaction_id AND e.event_type = 'Ended')
            ORDER BY t.seq DESC LIMIT 1
            """);
        command.Parameters.Add(new() { Value = stationId });
        command.Parameters.Add(new() { Value = evseId });
        return await command.ExecuteScalarAsync(ct) as string;
    }

    public NpgsqlDataSource DataSource => dataSource;
}
