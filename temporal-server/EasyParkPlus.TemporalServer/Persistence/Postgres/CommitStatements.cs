using Google.Protobuf;
using Npgsql;

namespace EasyParkPlus.TemporalServer.Persistence.Postgres;

/// <summary>
/// Builds one <see cref="NpgsqlBatch"/> for a <see cref="CommitBatch"/>: PostgreSQL runs its statements in one implicit
/// transaction and Npgsql sends them in one round trip. Guards come first (the run row's version, the current-run
/// pointer) and raise SQLSTATE TP409 or a key violation, which aborts everything after them. No NOTIFY here: a
/// transaction that notifies holds PostgreSQL's one notification lock until its commit record is flushed, which
/// would serialise every commit at one fsync each (see <see cref="PostgresQueueNotifier"/>).
/// </summary>
internal static class CommitStatements
{
    public static void Add(NpgsqlBatch batch, CommitBatch commit)
    {
        foreach (var run in commit.Runs)
        {
            AddRun(batch, run);
        }
        DeleteTransfers(batch, commit.CompletedTransfers);
    }

    private static void AddRun(NpgsqlBatch batch, RunCommit run)
    {
        var (ns, wf, id) = (run.Key.Namespace, run.Key.WorkflowId, run.Key.RunId);
        var state = StateCodec.Encode(run.State);
        if (run.ExpectedVersion == 0)
        {
            // A second creation of the same run violates runs_pkey: a conflict.
            Statement(batch, "INSERT INTO temporal.runs (namespace, workflow_id, run_id, version, state) VALUES ($1, $2, $3, $4, $5)",
                Text(ns), Text(wf), Text(id), Long(run.State.Version), Bytes(state));
        }
        else
        {
            Statement(batch, """
                WITH updated AS (
                    UPDATE temporal.runs SET version = $5, state = $6
                    WHERE namespace = $1 AND workflow_id = $2 AND run_id = $3 AND version = $4 RETURNING 1)
                SELECT temporal.expect(count(*) = 1, 'run ' || $3 || ' is not at version ' || $4) FROM updated
                """, Text(ns), Text(wf), Text(id), Long(run.ExpectedVersion), Long(run.State.Version), Bytes(state));
        }
        CurrentRun(batch, run);
        if (run.Events.Count > 0)
        {
            Statement(batch, """
                INSERT INTO temporal.events (namespace, workflow_id, run_id, event_id, data)
                SELECT $1, $2, $3, e.id, e.data FROM unnest($4::bigint[], $5::bytea[]) AS e(id, data)
                """, Text(ns), Text(wf), Text(id), Longs(run.Events.Select(e => e.EventId)), ByteArrays(run.Events.Select(e => e.ToByteArray())));
        }
        if (run.Visibility is { } visibility)
        {
            batch.BatchCommands.Add(VisibilityRows.Upsert(visibility));
        }
        Timers(batch, run);
        QueueTasks(batch, run);
        if (run.RemovedTransfers.Count > 0)
        {
            DeleteTransfers(batch, run.RemovedTransfers);
        }
        if (run.AddedTransfers.Count > 0)
        {
            var added = LastPerKey(run.AddedTransfers, t => t.Key);
            Statement(batch, """
                INSERT INTO temporal.transfer_tasks (namespace, workflow_id, run_id, kind, event_id, created_time)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::bigint[], $6::timestamptz[])
                ON CONFLICT (namespace, workflow_id, run_id, kind, event_id) DO UPDATE SET created_time = EXCLUDED.created_time, lease_until = '-infinity'
                """, Texts(added.Select(t => t.Key.Source.Namespace)), Texts(added.Select(t => t.Key.Source.WorkflowId)), Texts(added.Select(t => t.Key.Source.RunId)),
                Shorts(added.Select(t => (short)t.Key.Kind)), Longs(added.Select(t => t.Key.EventId)), Times(added.Select(t => t.CreatedTime)));
        }
    }

    // Mirrors the in-memory store: the pointer moves only on BecomeCurrent (guarded) or for the run that is current.
    private static void CurrentRun(NpgsqlBatch batch, RunCommit run)
    {
        var (ns, wf, id) = (run.Key.Namespace, run.Key.WorkflowId, run.Key.RunId);
        var current = run.Current;
        if (run.BecomeCurrent is { } guard)
        {
            if (current is null)
            {
                Statement(batch, """
                    SELECT temporal.expect(
                        (SELECT run_id FROM temporal.current_runs WHERE namespace = $1 AND workflow_id = $2) IS NOT DISTINCT FROM $3,
                        'workflow ' || $2 || ' has another current run')
                    """, Text(ns), Text(wf), NullableText(guard.ExpectedRunId));
            }
            else if (guard.ExpectedRunId is null)
            {
                // An id in use violates current_runs_pkey: a conflict.
                Statement(batch, "INSERT INTO temporal.current_runs (namespace, workflow_id, run_id, status, start_request_id, start_time) VALUES ($1, $2, $3, $4, $5, $6)",
                    Text(ns), Text(wf), Text(current.RunId), Int((int)current.Status), Text(current.StartRequestId), Time(current.StartTime));
            }
            else
            {
                Statement(batch, """
                    WITH moved AS (
                        UPDATE temporal.current_runs SET run_id = $3, status = $4, start_request_id = $5, start_time = $6
                        WHERE namespace = $1 AND workflow_id = $2 AND run_id = $7 RETURNING 1)
                    SELECT temporal.expect(count(*) = 1, 'workflow ' || $2 || ' has another current run than ' || $7) FROM moved
                    """, Text(ns), Text(wf), Text(current.RunId), Int((int)current.Status), Text(current.StartRequestId), Time(current.StartTime), Text(guard.ExpectedRunId));
            }
        }
        else if (current is not null)
        {
            Statement(batch, """
                UPDATE temporal.current_runs SET status = $4, start_request_id = $5, start_time = $6
                WHERE namespace = $1 AND workflow_id = $2 AND run_id = $3
                """, Text(ns), Text(wf), Text(id), Int((int)current.Status), Text(current.StartRequestId), Time(current.StartTime));
        }
    }

    private static void Timers(NpgsqlBatch batch, RunCommit run)
    {
        if (run.RemovedTimers.Count > 0)
        {
            var keys = run.RemovedTimers;
            Statement(batch, """
                DELETE FROM temporal.timer_tasks t USING unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::text[], $6::bigint[]) AS k(ns, wf, run, kind, entity, stamp)
                WHERE t.namespace = k.ns AND t.workflow_id = k.wf AND t.run_id = k.run AND t.kind = k.kind AND t.entity = k.entity AND t.stamp = k.stamp
                """, Texts(keys.Select(k => k.Run.Namespace)), Texts(keys.Select(k => k.Run.WorkflowId)), Texts(keys.Select(k => k.Run.RunId)),
                Shorts(keys.Select(k => (short)k.Kind)), Texts(keys.Select(k => k.Entity)), Longs(keys.Select(k => k.Stamp)));
        }
        if (run.AddedTimers.Count > 0)
        {
            var added = LastPerKey(run.AddedTimers, t => t.Key);
            Statement(batch, """
                INSERT INTO temporal.timer_tasks (namespace, workflow_id, run_id, kind, entity, stamp, fire_time)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::text[], $6::bigint[], $7::timestamptz[])
                ON CONFLICT (namespace, workflow_id, run_id, kind, entity, stamp) DO UPDATE SET fire_time = EXCLUDED.fire_time, lease_until = '-infinity'
                """, Texts(added.Select(t => t.Key.Run.Namespace)), Texts(added.Select(t => t.Key.Run.WorkflowId)), Texts(added.Select(t => t.Key.Run.RunId)),
                Shorts(added.Select(t => (short)t.Key.Kind)), Texts(added.Select(t => t.Key.Entity)), Longs(added.Select(t => t.Key.Stamp)), Times(added.Select(t => t.FireTime)));
        }
    }

    private static void QueueTasks(NpgsqlBatch batch, RunCommit run)
    {
        if (run.RemovedQueueTasks.Count > 0)
        {
            var keys = run.RemovedQueueTasks;
            Statement(batch, """
                DELETE FROM temporal.queue_tasks t USING unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::bigint[], $6::bigint[]) AS k(ns, wf, run, type, scheduled, stamp)
                WHERE t.namespace = k.ns AND t.workflow_id = k.wf AND t.run_id = k.run AND t.type = k.type AND t.scheduled_event_id = k.scheduled AND t.stamp = k.stamp
                """, Texts(keys.Select(k => k.Run.Namespace)), Texts(keys.Select(k => k.Run.WorkflowId)), Texts(keys.Select(k => k.Run.RunId)),
                Shorts(keys.Select(k => (short)k.Type)), Longs(keys.Select(k => k.ScheduledEventId)), Longs(keys.Select(k => k.Stamp)));
        }
        if (run.AddedQueueTasks.Count > 0)
        {
            var added = LastPerKey(run.AddedQueueTasks, t => t.Key);
            Statement(batch, """
                INSERT INTO temporal.queue_tasks (namespace, workflow_id, run_id, type, scheduled_event_id, stamp, task_queue, created_time)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::bigint[], $6::bigint[], $7::text[], $8::timestamptz[])
                ON CONFLICT (namespace, workflow_id, run_id, type, scheduled_event_id, stamp)
                DO UPDATE SET task_queue = EXCLUDED.task_queue, created_time = EXCLUDED.created_time, lease_until = '-infinity'
                """, Texts(added.Select(t => t.Key.Run.Namespace)), Texts(added.Select(t => t.Key.Run.WorkflowId)), Texts(added.Select(t => t.Key.Run.RunId)),
                Shorts(added.Select(t => (short)t.Key.Type)), Longs(added.Select(t => t.Key.ScheduledEventId)), Longs(added.Select(t => t.Key.Stamp)),
                Texts(added.Select(t => t.TaskQueue)), Times(added.Select(t => t.CreatedTime)));
        }
    }

    private static void DeleteTransfers(NpgsqlBatch batch, IReadOnlyList<TransferTaskKey> keys)
    {
        if (keys.Count == 0)
        {
            return;
        }
        Statement(batch, """
            DELETE FROM temporal.transfer_tasks t USING unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::bigint[]) AS k(ns, wf, run, kind, event_id)
            WHERE t.namespace = k.ns AND t.workflow_id = k.wf AND t.run_id = k.run AND t.kind = k.kind AND t.event_id = k.event_id
            """, Texts(keys.Select(k => k.Source.Namespace)), Texts(keys.Select(k => k.Source.WorkflowId)), Texts(keys.Select(k => k.Source.RunId)),
            Shorts(keys.Select(k => (short)k.Kind)), Longs(keys.Select(k => k.EventId)));
    }

    // One INSERT ... ON CONFLICT may not touch a row twice; the in-memory store keeps the last of duplicates.
    private static List<T> LastPerKey<T, TKey>(IReadOnlyList<T> rows, Func<T, TKey> key)
        where TKey : notnull =>
        [.. rows.GroupBy(key).Select(g => g.Last())];

    private static void Statement(NpgsqlBatch batch, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        batch.BatchCommands.Add(command);
    }

    public static NpgsqlParameter Text(string value) => new NpgsqlParameter<string> { TypedValue = value };
    public static NpgsqlParameter NullableText(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };
    public static NpgsqlParameter Long(long value) => new NpgsqlParameter<long> { TypedValue = value };
    public static NpgsqlParameter Int(int value) => new NpgsqlParameter<int> { TypedValue = value };
    public static NpgsqlParameter Short(short value) => new NpgsqlParameter<short> { TypedValue = value };
    public static NpgsqlParameter Bytes(byte[] value) => new NpgsqlParameter<byte[]> { TypedValue = value };
    public static NpgsqlParameter Time(DateTimeOffset value) => new NpgsqlParameter<DateTime> { TypedValue = value.UtcDateTime };
    private static NpgsqlParameter<string[]> Texts(IEnumerable<string> values) => new NpgsqlParameter<string[]> { TypedValue = [.. values] };
    private static NpgsqlParameter<long[]> Longs(IEnumerable<long> values) => new NpgsqlParameter<long[]> { TypedValue = [.. values] };
    private static NpgsqlParameter<short[]> Shorts(IEnumerable<short> values) => new NpgsqlParameter<short[]> { TypedValue = [.. values] };
    private static NpgsqlParameter<byte[][]> ByteArrays(IEnumerable<byte[]> values) => new NpgsqlParameter<byte[][]> { TypedValue = [.. values] };
    private static NpgsqlParameter<DateTime[]> Times(IEnumerable<DateTimeOffset> values) => new NpgsqlParameter<DateTime[]> { TypedValue = [.. values.Select(v => v.UtcDateTime)] };
}
