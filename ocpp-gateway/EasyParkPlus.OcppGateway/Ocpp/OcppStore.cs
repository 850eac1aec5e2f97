using System.Text.Json;
using EasyParkPlus.OcppGateway.Devices;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Ocpp;

public sealed record StationRecord(string StationId, string FacilityId, string? SecretHash);

public sealed record StoredTransactionEvent(long Seq, ChargerTransactionEvent Event, int Attempts);

public sealed record PowerAllocationRow(string SessionId, string StationId, int EvseId, int RequestedW, int AllocatedW, DateTimeOffset CreatedAt);

public enum IdTokenStanding { Unknown, Invalid, Accepted }

// The gateway schema (migration 0005) and the chargers (0001) through SQL on the process's NpgsqlDataSource.
public sealed class OcppStore(NpgsqlDataSource dataSource)
{
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

    // The oldest due events, except those queued behind an earlier event of their transaction that waits for a retry.
    public async Task<IReadOnlyList<StoredTransactionEvent>> DuePendingEventsAsync(DateTimeOffset now, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT seq, station_id, COALESCE(evse_id, 0), connector_id, transaction_id, event_type, seq_no, device_time, trigger_reason,
                   charging_state, energy_wh, id_token, remote_start_id, stopped_reason, offline, attempts, id_token_type, id_token_status
            FROM gateway.transaction_events t WHERE delivered_at IS NULL AND next_attempt_at <= $1
              AND NOT EXISTS (SELECT 1 FROM gateway.transaction_events p
                              WHERE p.station_id = t.station_id AND p.transaction_id = t.transaction_id AND p.seq < t.seq
                                AND p.delivered_at IS NULL AND p.next_attempt_at > $1)
            ORDER BY seq LIMIT $2
            """);
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var events = new List<StoredTransactionEvent>();
        while (await reader.ReadAsync(ct))
        {
            var e = new ChargerTransactionEvent(
                reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.GetString(4),
                Enum.Parse<TransactionEventType>(reader.GetString(5)), reader.GetInt32(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetInt64(10),
                reader.IsDBNull(11) ? null : reader.GetString(11), reader.IsDBNull(12) ? null : reader.GetInt32(12),
                reader.IsDBNull(13) ? null : reader.GetString(13), reader.GetBoolean(14))
            {
                IdTokenType = reader.IsDBNull(16) ? null : reader.GetString(16),
                IdTokenStatus = reader.IsDBNull(17) ? null : reader.GetString(17),
            };
            events.Add(new StoredTransactionEvent(reader.GetInt64(0), e, reader.GetInt32(15)));
        }
        return events;
    }

    public async Task MarkDeliveredAsync(long[] seqs, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE gateway.transaction_events SET delivered_at = $2, attempts = attempts + 1, last_error = NULL WHERE seq = ANY($1) AND delivered_at IS NULL");
        command.Parameters.Add(new() { Value = seqs });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task MarkFailedAsync(long seq, DateTimeOffset retryAt, string error, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE gateway.transaction_events SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE seq = $1 AND delivered_at IS NULL");
        command.Parameters.Add(new() { Value = seq });
        command.Parameters.Add(new() { Value = retryAt });
        command.Parameters.Add(new() { Value = error.Length > 500 ? error[..500] : error });
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<DateTimeOffset?> NextPendingDueAsync(CancellationToken ct)
    {
        // Only the first pending event of each transaction counts: the ones behind it move when it does.
        await using var command = dataSource.CreateCommand("""
            SELECT min(t.next_attempt_at) FROM gateway.transaction_events t
            WHERE t.delivered_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM gateway.transaction_events p
                              WHERE p.station_id = t.station_id AND p.transaction_id = t.transaction_id AND p.seq < t.seq AND p.delivered_at IS NULL)
            """);
        // timestamptz comes back from ExecuteScalar as a UTC DateTime.
        return await command.ExecuteScalarAsync(ct) is DateTime due ? new DateTimeOffset(DateTime.SpecifyKind(due, DateTimeKind.Utc)) : null;
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
