using Npgsql;

namespace EasyParkPlus.OcppGateway.Devices;

/// <summary>One claimed event: its row, its key's name (for logs) and the event the sink gets.</summary>
public sealed record OutboxEntry(OutboxTable Table, long Seq, int Attempts, string EventId, object Event);

/// <summary>
/// A table of stored device events seen as an outbox: rows with seq, attempts, next_attempt_at, delivered_at and last_error,
/// ordered within a key (the columns in <paramref name="keyColumns"/>). Only the head of a key (its oldest undelivered
/// event) is ever claimed, and a claim moves its next_attempt_at to the end of a lease, so a key's later events wait
/// until the head is delivered, a failed head's retry time holds back its own key and no other, and two instances never
/// deliver one key at once (FOR UPDATE SKIP LOCKED, the lease re-checked on the locked row).
/// </summary>
public sealed class OutboxTable(NpgsqlDataSource dataSource, string table, string keyColumns, string eventColumns,
    Func<NpgsqlDataReader, int, (string EventId, object Event)> readEvent)
{
    public string Name => table;

    public async Task<IReadOnlyList<OutboxEntry>> ClaimAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH heads AS (
                SELECT DISTINCT ON ({keyColumns}) seq, next_attempt_at FROM {table}
                WHERE delivered_at IS NULL ORDER BY {keyColumns}, seq),
            due AS (SELECT seq FROM heads WHERE next_attempt_at <= $1 ORDER BY seq LIMIT $3),
            locked AS (
                SELECT e.seq FROM {table} e
                WHERE e.seq IN (SELECT seq FROM due) AND e.delivered_at IS NULL AND e.next_attempt_at <= $1
                FOR UPDATE SKIP LOCKED)
            UPDATE {table} t SET next_attempt_at = $2 FROM locked WHERE t.seq = locked.seq
            RETURNING t.seq, t.attempts, {eventColumns}
            """);
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = leaseUntil });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var entries = new List<OutboxEntry>();
        while (await reader.ReadAsync(ct))
        {
            var (eventId, e) = readEvent(reader, 2);
            entries.Add(new OutboxEntry(this, reader.GetInt64(0), reader.GetInt32(1), eventId, e));
        }
        return entries;
    }

    public async Task MarkDeliveredAsync(long[] seqs, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"UPDATE {table} SET delivered_at = $2, attempts = attempts + 1, last_error = NULL WHERE seq = ANY($1) AND delivered_at IS NULL");
        command.Parameters.Add(new() { Value = seqs });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task MarkFailedAsync(long seq, DateTimeOffset retryAt, string error, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"UPDATE {table} SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE seq = $1 AND delivered_at IS NULL");
        command.Parameters.Add(new() { Value = seq });
        command.Parameters.Add(new() { Value = retryAt });
        command.Parameters.Add(new() { Value = error.Length > 500 ? error[..500] : error });
        await command.ExecuteNonQueryAsync(ct);
    }

    // When the next head is due (a claimed one at the end of its lease), or null when nothing waits.
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT min(next_attempt_at) FROM (
                SELECT DISTINCT ON ({keyColumns}) next_attempt_at FROM {table} WHERE delivered_at IS NULL ORDER BY {keyColumns}, seq) heads
            """);
        // timestamptz comes back from ExecuteScalar as a UTC DateTime.
        return await command.ExecuteScalarAsync(ct) is DateTime due ? new DateTimeOffset(DateTime.SpecifyKind(due, DateTimeKind.Utc)) : null;
    }
}
