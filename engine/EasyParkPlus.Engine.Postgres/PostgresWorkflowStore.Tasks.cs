using System.Text.Json;
using EasyParkPlus.Engine.Store;
using Npgsql;

namespace EasyParkPlus.Engine.Postgres;

public sealed partial class PostgresWorkflowStore
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<WorkflowTaskClaim>> ClaimWorkflowTasksAsync(string taskQueue, int max, string workerId, DateTimeOffset now, TimeSpan lease,
        CancellationToken cancellationToken = default)
    {
        // The claimed runs' last events come back in the same statement (same snapshot as next_event_id), so a cached
        // instance that is only a few events behind needs no second round trip to read them.
        await using var command = DataSource.CreateCommand("""
            WITH candidate AS (
                SELECT workflow_id, run_id FROM engine.workflow_tasks
                WHERE task_queue = $1 AND due_at <= $2 ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED),
            claimed AS (
                UPDATE engine.workflow_tasks t SET claimed_by = $4, due_at = $5, claim_token = nextval('engine.claim_tokens')
                FROM candidate c, engine.executions e
                WHERE t.workflow_id = c.workflow_id AND t.run_id = c.run_id AND e.workflow_id = t.workflow_id AND e.run_id = t.run_id
                RETURNING t.workflow_id, t.run_id, e.workflow_type, t.task_queue, t.claim_token, t.attempt, e.next_event_id)
            SELECT c.workflow_id, c.run_id, c.workflow_type, c.task_queue, c.claim_token, c.attempt, c.next_event_id, h.event_id, h.event_time, h.attributes
            FROM claimed c LEFT JOIN engine.history h
                ON h.workflow_id = c.workflow_id AND h.run_id = c.run_id AND h.event_id >= c.next_event_id - $6
            ORDER BY c.workflow_id, c.run_id, h.event_id
            """);
        command.Parameters.Add(Sql.Text(taskQueue));
        command.Parameters.Add(Sql.Time(now));
        command.Parameters.Add(Sql.Int(max));
        command.Parameters.Add(Sql.Text(workerId));
        command.Parameters.Add(Sql.Time(now + lease));
        command.Parameters.Add(Sql.Long(WorkflowTaskClaim.RecentEventCount));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var claims = new List<WorkflowTaskClaim>();
        WorkflowTaskClaim? current = null;
        List<HistoryEvent> recent = [];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = new ExecutionKey(reader.GetString(0), reader.GetString(1));
            if (current?.Key != key)
            {
                recent = [];
                current = new WorkflowTaskClaim(key, reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetInt32(5), reader.GetInt64(6))
                {
                    RecentEvents = recent,
                };
                claims.Add(current);
            }
            if (!reader.IsDBNull(7))
            {
                recent.Add(new HistoryEvent(reader.GetInt64(7), reader.Time(8), Sql.DeserializeEvent(reader.GetString(9))));
            }
        }
        return claims;
    }

    /// <inheritdoc />
    public async Task FailWorkflowTaskAsync(ExecutionKey key, long claimToken, Failure failure, DateTimeOffset retryAt, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("""
            WITH failed AS (
                UPDATE engine.workflow_tasks SET claimed_by = NULL, due_at = $4, attempt = attempt + 1
                WHERE workflow_id = $1 AND run_id = $2 AND claim_token = $3 RETURNING 1)
            UPDATE engine.executions SET workflow_task_failure = $5
            WHERE workflow_id = $1 AND run_id = $2 AND EXISTS (SELECT 1 FROM failed)
            """);
        command.Parameters.Add(Sql.Text(key.WorkflowId));
        command.Parameters.Add(Sql.Text(key.RunId));
        command.Parameters.Add(Sql.Long(claimToken));
        command.Parameters.Add(Sql.Time(retryAt));
        command.Parameters.Add(Sql.Json(Sql.Serialize(failure)));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task ReleaseWorkflowTaskAsync(ExecutionKey key, long claimToken, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("""
            WITH released AS (
                UPDATE engine.workflow_tasks SET claimed_by = NULL, due_at = now()
                WHERE workflow_id = $1 AND run_id = $2 AND claim_token = $3 RETURNING task_queue)
            SELECT pg_notify('engine_work', 'q:' || task_queue) FROM released
            """);
        command.Parameters.Add(Sql.Text(key.WorkflowId));
        command.Parameters.Add(Sql.Text(key.RunId));
        command.Parameters.Add(Sql.Long(claimToken));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RequestWorkflowTaskAsync(ExecutionKey key, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("""
            WITH task AS (
                INSERT INTO engine.workflow_tasks (workflow_id, run_id, task_queue, due_at)
                SELECT workflow_id, run_id, task_queue, $3 FROM engine.executions WHERE workflow_id = $1 AND run_id = $2 AND status = 1
                ON CONFLICT DO NOTHING RETURNING task_queue)
            SELECT task_queue, pg_notify('engine_work', 'q:' || task_queue) FROM task
            """);
        command.Parameters.Add(Sql.Text(key.WorkflowId));
        command.Parameters.Add(Sql.Text(key.RunId));
        command.Parameters.Add(Sql.Time(now));
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string queue)
        {
            RaiseQueue(queue);
        }
    }

    private const string ActivityColumns = """
        t.workflow_id, t.run_id, t.workflow_type, t.scheduled_event_id, t.activity_type, t.task_queue, t.input, t.attempt, t.claim_token,
        t.start_to_close_ms, t.heartbeat_timeout_ms, t.deadline, t.retry_policy, t.scheduled_time, t.started_time, t.last_heartbeat,
        t.heartbeat_details, t.last_failure, t.trace_parent
        """;

    private static ActivityTaskClaim ReadActivity(NpgsqlDataReader reader) =>
        new(new ExecutionKey(reader.GetString(0), reader.GetString(1)), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetString(5),
            JsonElement.Parse(reader.GetString(6)), reader.GetInt32(7), reader.GetInt64(8), Sql.FromMilliseconds(reader.Nullable<long>(9)),
            Sql.FromMilliseconds(reader.Nullable<long>(10)), reader.NullableTime(11), Sql.Deserialize<RetryPolicy>(reader.GetString(12)) ?? RetryPolicy.Default,
            reader.Time(13), reader.NullableTime(14) ?? reader.Time(13), reader.NullableTime(15), Sql.Element(reader.NullableString(16)),
            Sql.Deserialize<Failure>(reader.NullableString(17)), reader.NullableString(18));

    /// <inheritdoc />
    public async Task<IReadOnlyList<ActivityTaskClaim>> ClaimActivityTasksAsync(string taskQueue, int max, string workerId, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand($"""
            WITH candidate AS (
                SELECT workflow_id, run_id, scheduled_event_id FROM engine.activity_tasks
                WHERE task_queue = $1 AND claimed_by IS NULL AND visible_at <= $2 AND (deadline IS NULL OR deadline > $2)
                ORDER BY visible_at LIMIT $3 FOR UPDATE SKIP LOCKED)
            UPDATE engine.activity_tasks t SET claimed_by = $4, claim_token = nextval('engine.claim_tokens'), started_time = $2, last_heartbeat = NULL,
                lease_until = LEAST($2 + t.start_to_close_ms * interval '1 millisecond', $2 + t.heartbeat_timeout_ms * interval '1 millisecond', t.deadline)
            FROM candidate c
            WHERE t.workflow_id = c.workflow_id AND t.run_id = c.run_id AND t.scheduled_event_id = c.scheduled_event_id
            RETURNING {ActivityColumns}
            """);
        command.Parameters.Add(Sql.Text(taskQueue));
        command.Parameters.Add(Sql.Time(now));
        command.Parameters.Add(Sql.Int(max));
        command.Parameters.Add(Sql.Text(workerId));
        return await ReadActivitiesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<ActivityTaskClaim>> ReadActivitiesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var claims = new List<ActivityTaskClaim>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            claims.Add(ReadActivity(reader));
        }
        return claims;
    }

    /// <inheritdoc />
    public async Task<bool> CompleteActivityTaskAsync(ActivityTaskReference task, IReadOnlyList<HistoryEventAttributes> outcome, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var queue = await AppendEventsAsync(connection, null, task.Key, outcome, now, cancellationToken, completes: task).ConfigureAwait(false);
        if (queue is null)
        {
            return false;
        }
        RaiseQueue(queue);
        return true;
    }

    /// <inheritdoc />
    public async Task<bool> RetryActivityTaskAsync(ActivityTaskReference task, int nextAttempt, DateTimeOffset visibleAt, Failure failure,
        CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("""
            UPDATE engine.activity_tasks SET attempt = $5, visible_at = $6, claimed_by = NULL, lease_until = NULL, last_failure = $7
            WHERE workflow_id = $1 AND run_id = $2 AND scheduled_event_id = $3 AND claim_token = $4
            """);
        AddReference(command, task);
        command.Parameters.Add(Sql.Int(nextAttempt));
        command.Parameters.Add(Sql.Time(visibleAt));
        command.Parameters.Add(Sql.Json(Sql.Serialize(failure)));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<bool> HeartbeatActivityTaskAsync(ActivityTaskReference task, JsonElement? details, DateTimeOffset now, DateTimeOffset leaseUntil,
        CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("""
            UPDATE engine.activity_tasks SET heartbeat_details = COALESCE($5, heartbeat_details), last_heartbeat = $6, lease_until = $7
            WHERE workflow_id = $1 AND run_id = $2 AND scheduled_event_id = $3 AND claim_token = $4
            """);
        AddReference(command, task);
        command.Parameters.Add(Sql.Json(Sql.Raw(details)));
        command.Parameters.Add(Sql.Time(now));
        command.Parameters.Add(Sql.Time(leaseUntil));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task ReleaseActivityTaskAsync(ActivityTaskReference task, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("""
            WITH released AS (
                UPDATE engine.activity_tasks SET claimed_by = NULL, lease_until = NULL
                WHERE workflow_id = $1 AND run_id = $2 AND scheduled_event_id = $3 AND claim_token = $4 RETURNING task_queue)
            SELECT pg_notify('engine_work', 'q:' || task_queue) FROM released
            """);
        AddReference(command, task);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void AddReference(NpgsqlCommand command, ActivityTaskReference task)
    {
        command.Parameters.Add(Sql.Text(task.Key.WorkflowId));
        command.Parameters.Add(Sql.Text(task.Key.RunId));
        command.Parameters.Add(Sql.Long(task.ScheduledEventId));
        command.Parameters.Add(Sql.Long(task.ClaimToken));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ActivityTaskClaim>> ClaimExpiredActivityTasksAsync(int max, string workerId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand($"""
            WITH lost AS (
                SELECT workflow_id, run_id, scheduled_event_id FROM engine.activity_tasks
                WHERE claimed_by IS NOT NULL AND lease_until <= $2 ORDER BY lease_until LIMIT $1 FOR UPDATE SKIP LOCKED),
            overdue AS (
                SELECT workflow_id, run_id, scheduled_event_id FROM engine.activity_tasks
                WHERE deadline <= $2 ORDER BY deadline LIMIT $1 FOR UPDATE SKIP LOCKED)
            UPDATE engine.activity_tasks t SET claimed_by = $3, claim_token = nextval('engine.claim_tokens'), lease_until = $2 + interval '1 minute',
                started_time = COALESCE(t.started_time, $2)
            FROM (SELECT * FROM lost UNION SELECT * FROM overdue) c
            WHERE t.workflow_id = c.workflow_id AND t.run_id = c.run_id AND t.scheduled_event_id = c.scheduled_event_id
            RETURNING {ActivityColumns}
            """);
        command.Parameters.Add(Sql.Int(max));
        command.Parameters.Add(Sql.Time(now));
        command.Parameters.Add(Sql.Text(workerId));
        return await ReadActivitiesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> FireDueTimersAsync(int max, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // One statement: remove due timers, number their TimerFired events per run, append them at each run's
        // end, and schedule the runs' workflow tasks (invariant 6: a timer fires in the transaction that removes it).
        await using var command = DataSource.CreateCommand("""
            WITH due AS (
                DELETE FROM engine.timers WHERE (workflow_id, run_id, started_event_id) IN (
                    SELECT workflow_id, run_id, started_event_id FROM engine.timers WHERE fire_at <= $1 ORDER BY fire_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                RETURNING workflow_id, run_id, started_event_id),
            numbered AS (
                SELECT workflow_id, run_id, started_event_id,
                       row_number() OVER (PARTITION BY workflow_id, run_id ORDER BY started_event_id) AS n,
                       count(*) OVER (PARTITION BY workflow_id, run_id) AS k
                FROM due),
            bumped AS (
                UPDATE engine.executions e SET next_event_id = e.next_event_id + x.k
                FROM (SELECT DISTINCT workflow_id, run_id, k FROM numbered) x
                WHERE e.workflow_id = x.workflow_id AND e.run_id = x.run_id AND e.status = 1
                RETURNING e.workflow_id, e.run_id, e.next_event_id - x.k AS first_id, e.task_queue),
            appended AS (
                INSERT INTO engine.history (workflow_id, run_id, event_id, event_type, event_time, attributes)
                SELECT n.workflow_id, n.run_id, b.first_id + n.n - 1, 'TimerFired', $1,
                       jsonb_build_object('eventType', 'TimerFired', 'startedEventId', n.started_event_id)
                FROM numbered n JOIN bumped b ON b.workflow_id = n.workflow_id AND b.run_id = n.run_id),
            task AS (
                INSERT INTO engine.workflow_tasks (workflow_id, run_id, task_queue, due_at)
                SELECT workflow_id, run_id, task_queue, $1 FROM bumped ON CONFLICT DO NOTHING RETURNING task_queue),
            notified AS (SELECT q.task_queue, pg_notify('engine_work', 'q:' || q.task_queue) FROM (SELECT DISTINCT task_queue FROM task) q)
            SELECT DISTINCT task_queue FROM bumped WHERE (SELECT count(*) FROM notified) >= 0
            """);
        command.Parameters.Add(Sql.Time(now));
        command.Parameters.Add(Sql.Int(max));
        var queues = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                queues.Add(reader.GetString(0));
            }
        }
        foreach (var queue in queues)
        {
            RaiseQueue(queue);
        }
        return queues;
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset?> GetNextDueTimeAsync(CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("""
            SELECT LEAST(
                (SELECT min(due_at) FROM engine.workflow_tasks),
                (SELECT min(visible_at) FROM engine.activity_tasks WHERE claimed_by IS NULL),
                (SELECT min(lease_until) FROM engine.activity_tasks WHERE claimed_by IS NOT NULL),
                (SELECT min(deadline) FROM engine.activity_tasks),
                (SELECT min(fire_at) FROM engine.timers))
            """);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime due
            ? new DateTimeOffset(DateTime.SpecifyKind(due, DateTimeKind.Utc))
            : null;
    }

    /// <inheritdoc />
    public async Task<int> PurgeClosedAsync(DateTimeOffset closedBefore, int max, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("""
            WITH gone AS (
                DELETE FROM engine.executions WHERE (workflow_id, run_id) IN (
                    SELECT workflow_id, run_id FROM engine.executions WHERE close_time < $1 ORDER BY close_time LIMIT $2)
                RETURNING workflow_id, run_id),
            history AS (
                DELETE FROM engine.history h USING gone g WHERE h.workflow_id = g.workflow_id AND h.run_id = g.run_id),
            requests AS (
                DELETE FROM engine.signal_requests WHERE created_at < $1),
            watchers AS (
                DELETE FROM engine.close_watchers WHERE created_at < $1)
            SELECT count(*) FROM gone
            """);
        command.Parameters.Add(Sql.Time(closedBefore));
        command.Parameters.Add(Sql.Int(max));
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
    }
}
