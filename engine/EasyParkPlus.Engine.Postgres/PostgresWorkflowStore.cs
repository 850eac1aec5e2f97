using System.Globalization;
using System.Text;
using System.Text.Json;
using EasyParkPlus.Engine.Store;
using Npgsql;

namespace EasyParkPlus.Engine.Postgres;

/// <summary>
/// The engine's store on PostgreSQL, with hand-written SQL. Every method is one transaction. The hot path, a
/// workflow task commit, is a single batch (one round trip, one commit) whose first statements are guards that
/// raise when the history moved on or a claim was lost, so the batch applies as a whole or not at all.
/// </summary>
public sealed partial class PostgresWorkflowStore(NpgsqlDataSource dataSource, string identity) : IWorkflowStore
{
    private const short Running = (short)WorkflowStatus.Running;

    /// <inheritdoc />
    public event Action<WorkNotice>? WorkAvailable;

    /// <summary>The data source the store uses.</summary>
    public NpgsqlDataSource DataSource { get; } = dataSource;

    internal void Raise(WorkNotice notice) => WorkAvailable?.Invoke(notice);

    /// <summary>Announces work on a queue to this process at once (other processes hear it through NOTIFY).</summary>
    internal void RaiseQueue(string queue)
    {
        Raise(new WorkNotice(WorkKind.WorkflowTask, queue));
        Raise(new WorkNotice(WorkKind.ActivityTask, queue));
    }

    // ======================================================================= client

    /// <inheritdoc />
    public async Task<StartOutcome> StartWorkflowAsync(NewExecution execution, WorkflowIdConflictPolicy policy, SignalDelivery? signal, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var latest = await LatestRunAsync(connection, transaction, execution.WorkflowId, cancellationToken).ConfigureAwait(false);
            if (latest is { Status: Running } running)
            {
                if (signal is not null)
                {
                    var (_, scheduled) = await AppendSignalAsync(connection, transaction, execution.WorkflowId, running.RunId, signal, now, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    await WakeOtherProcessesAsync(connection, scheduled ? running.TaskQueue : null, cancellationToken).ConfigureAwait(false);
                    RaiseQueue(running.TaskQueue);
                    return new StartOutcome(running.RunId, false);
                }
                if ((execution.RequestId is not null && running.RequestId == execution.RequestId) || policy == WorkflowIdConflictPolicy.UseExisting)
                {
                    return new StartOutcome(running.RunId, false);
                }
                throw new WorkflowAlreadyStartedException(execution.WorkflowId, running.RunId);
            }
            if (latest is not null && signal is null && execution.RequestId is not null && latest.RequestId == execution.RequestId)
            {
                return new StartOutcome(latest.RunId, false);
            }
            try
            {
                HistoryEventAttributes[] after = signal is null ? [] : [new WorkflowExecutionSignaled(signal.SignalName, signal.Input, signal.RequestId, signal.TraceParent)];
                await using (var batch = new NpgsqlBatch(connection, transaction))
                {
                    AddInsertRun(batch, execution, now, after, scheduleWorkflowTask: true);
                    if (signal?.RequestId is { } requestId)
                    {
                        batch.BatchCommands.Add(Sql.Command("INSERT INTO engine.signal_requests (workflow_id, request_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                            Sql.Text(execution.WorkflowId), Sql.Text(requestId), Sql.Time(now)));
                    }
                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                RaiseQueue(execution.TaskQueue);
                return new StartOutcome(execution.RunId, true);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && attempt < 3)
            {
                // Another start of the same id won the race: decide again against what it wrote.
            }
        }
    }

    /// <inheritdoc />
    public async Task SignalWorkflowAsync(string workflowId, string? runId, SignalDelivery signal, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var (queue, scheduled) = await AppendSignalAsync(connection, null, workflowId, runId, signal, now, cancellationToken).ConfigureAwait(false);
        if (queue is null)
        {
            throw new WorkflowNotFoundException(workflowId, runId, $"Workflow {workflowId} has no running execution.");
        }
        await WakeOtherProcessesAsync(connection, scheduled ? queue : null, cancellationToken).ConfigureAwait(false);
        RaiseQueue(queue);
    }

    /// <summary>
    /// Wakes the idle workers of other processes for <paramref name="queue"/> (nothing when null), after the work was
    /// committed, in a transaction of its own that does not wait for the WAL flush. NOTIFY queues committing
    /// transactions for one lock held until their commit record is flushed, so a NOTIFY inside a durable commit
    /// serialises all such commits at one fsync each (about 4 ms on our machines, so at most ~250 a second, and signals
    /// queued behind each other). The notification carries nothing that must survive a crash: a lost wake-up costs at
    /// most one idle poll, as when the listener reconnects.
    /// </summary>
    private static async Task WakeOtherProcessesAsync(NpgsqlConnection connection, string? queue, CancellationToken cancellationToken)
    {
        if (queue is null)
        {
            return;
        }
        await using var command = Sql.Command(connection, null,
            "SELECT set_config('synchronous_commit', 'off', true), pg_notify('engine_work', 'q:' || $1)", Sql.Text(queue));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The signal is committed; the other processes' slow poll finds it.
        }
    }

    /// <summary>
    /// Appends a signal (once per request id) to the running run without notifying anyone; returns its task queue (null
    /// when no run is running) and whether a workflow task was newly scheduled, so the caller wakes other processes.
    /// </summary>
    private static async Task<(string? Queue, bool Scheduled)> AppendSignalAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string workflowId,
        string? runId, SignalDelivery signal, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string sql = """
            WITH target AS (
                SELECT workflow_id, run_id, task_queue FROM engine.executions
                WHERE workflow_id = $1 AND status = 1 AND ($2::text IS NULL OR run_id = $2) FOR UPDATE),
            fresh AS (
                INSERT INTO engine.signal_requests (workflow_id, request_id, created_at)
                SELECT workflow_id, $3, $4 FROM target WHERE $3::text IS NOT NULL
                ON CONFLICT DO NOTHING RETURNING 1),
            bumped AS (
                UPDATE engine.executions e SET next_event_id = e.next_event_id + 1 FROM target t
                WHERE e.workflow_id = t.workflow_id AND e.run_id = t.run_id AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM fresh))
                RETURNING e.workflow_id, e.run_id, e.next_event_id - 1 AS event_id, e.task_queue),
            appended AS (
                INSERT INTO engine.history (workflow_id, run_id, event_id, event_type, event_time, attributes)
                SELECT workflow_id, run_id, event_id, 'WorkflowExecutionSignaled', $4, $5 FROM bumped),
            task AS (
                INSERT INTO engine.workflow_tasks (workflow_id, run_id, task_queue, due_at)
                SELECT workflow_id, run_id, task_queue, $4 FROM bumped ON CONFLICT DO NOTHING RETURNING task_queue)
            SELECT (SELECT task_queue FROM target), (SELECT count(*) FROM task)
            """;
        await using var command = Sql.Command(connection, transaction, sql, Sql.Text(workflowId), Sql.Text(runId), Sql.Text(signal.RequestId), Sql.Time(now),
            Sql.Json(Sql.SerializeEvent(new WorkflowExecutionSignaled(signal.SignalName, signal.Input, signal.RequestId, signal.TraceParent))));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.NullableString(0), reader.GetInt64(1) > 0);
    }

    /// <inheritdoc />
    public async Task RequestCancelWorkflowAsync(string workflowId, string? runId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var queue = await RequestCancelAsync(connection, null, workflowId, runId, reason, now, cancellationToken).ConfigureAwait(false)
            ?? throw new WorkflowNotFoundException(workflowId, runId, $"Workflow {workflowId} has no running execution.");
        RaiseQueue(queue);
    }

    /// <summary>Appends a cancellation request unless one was made; returns the run's queue, or null when none runs.</summary>
    private static async Task<string?> RequestCancelAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string workflowId, string? runId,
        string? reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string sql = """
            WITH target AS (
                SELECT workflow_id, run_id, task_queue FROM engine.executions
                WHERE workflow_id = $1 AND status = 1 AND ($2::text IS NULL OR run_id = $2) FOR UPDATE),
            bumped AS (
                UPDATE engine.executions e SET next_event_id = e.next_event_id + 1, cancel_requested = true FROM target t
                WHERE e.workflow_id = t.workflow_id AND e.run_id = t.run_id AND NOT e.cancel_requested
                RETURNING e.workflow_id, e.run_id, e.next_event_id - 1 AS event_id, e.task_queue),
            appended AS (
                INSERT INTO engine.history (workflow_id, run_id, event_id, event_type, event_time, attributes)
                SELECT workflow_id, run_id, event_id, 'WorkflowExecutionCancelRequested', $3, $4 FROM bumped),
            task AS (
                INSERT INTO engine.workflow_tasks (workflow_id, run_id, task_queue, due_at)
                SELECT workflow_id, run_id, task_queue, $3 FROM bumped ON CONFLICT DO NOTHING RETURNING task_queue),
            notified AS (SELECT pg_notify('engine_work', 'q:' || task_queue) FROM task)
            SELECT (SELECT task_queue FROM target), (SELECT count(*) FROM notified)
            """;
        await using var command = Sql.Command(connection, transaction, sql, Sql.Text(workflowId), Sql.Text(runId), Sql.Time(now),
            Sql.Json(Sql.SerializeEvent(new WorkflowExecutionCancelRequested(reason))));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return reader.NullableString(0);
    }

    /// <inheritdoc />
    public async Task TerminateWorkflowAsync(string workflowId, string? runId, string? reason, string? identity, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var run = await LockRunningAsync(connection, transaction, workflowId, runId, cancellationToken).ConfigureAwait(false)
            ?? throw new WorkflowNotFoundException(workflowId, runId, $"Workflow {workflowId} has no running execution.");
        var closed = new List<string>();
        await TerminateRunAsync(connection, transaction, run, reason, identity, now, closed, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        RaiseClosed(closed);
    }

    /// <inheritdoc />
    public async Task<WorkflowExecutionInfo?> GetExecutionAsync(string workflowId, string? runId, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand($"SELECT {ExecutionColumns} FROM engine.executions WHERE workflow_id = $1 AND ($2::text IS NULL OR run_id = $2) ORDER BY run_seq DESC LIMIT 1");
        command.Parameters.Add(Sql.Text(workflowId));
        command.Parameters.Add(Sql.Text(runId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadExecution(reader) : null;
    }

    /// <inheritdoc />
    public async Task<WorkflowExecutionDescription?> DescribeAsync(string workflowId, string? runId, CancellationToken cancellationToken = default)
    {
        if (await GetExecutionAsync(workflowId, runId, cancellationToken).ConfigureAwait(false) is not { } execution)
        {
            return null;
        }
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        var key = new[] { Sql.Text(execution.WorkflowId), Sql.Text(execution.RunId) };
        batch.BatchCommands.Add(Sql.Command("""
            SELECT scheduled_event_id, activity_type, attempt, claimed_by, scheduled_time, visible_at, last_heartbeat, last_failure
            FROM engine.activity_tasks WHERE workflow_id = $1 AND run_id = $2 ORDER BY scheduled_event_id
            """, Sql.Text(execution.WorkflowId), Sql.Text(execution.RunId)));
        batch.BatchCommands.Add(Sql.Command("SELECT started_event_id, fire_at FROM engine.timers WHERE workflow_id = $1 AND run_id = $2 ORDER BY fire_at",
            Sql.Text(execution.WorkflowId), Sql.Text(execution.RunId)));
        batch.BatchCommands.Add(Sql.Command("SELECT attempt FROM engine.workflow_tasks WHERE workflow_id = $1 AND run_id = $2", key));
        batch.BatchCommands.Add(Sql.Command("SELECT workflow_task_failure FROM engine.executions WHERE workflow_id = $1 AND run_id = $2",
            Sql.Text(execution.WorkflowId), Sql.Text(execution.RunId)));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var activities = new List<PendingActivityInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var claimed = reader.NullableString(3);
            var attempt = reader.GetInt32(2);
            activities.Add(new PendingActivityInfo(reader.GetInt64(0), reader.GetString(1), attempt,
                claimed is not null ? PendingActivityState.Started : attempt > 1 ? PendingActivityState.Backoff : PendingActivityState.Scheduled,
                reader.Time(4), claimed is null ? reader.Time(5) : null, reader.NullableTime(6), Sql.Deserialize<Failure>(reader.NullableString(7)), claimed));
        }
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var timers = new List<PendingTimerInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            timers.Add(new PendingTimerInfo(reader.GetInt64(0), reader.Time(1)));
        }
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var workflowTaskAttempt = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? reader.GetInt32(0) : (int?)null;
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var failure = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Sql.Deserialize<Failure>(reader.NullableString(0)) : null;
        return new WorkflowExecutionDescription(execution, activities, timers, workflowTaskAttempt is not null, workflowTaskAttempt ?? 0, failure);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEvent>> ReadHistoryAsync(ExecutionKey key, long afterEventId, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand(
            "SELECT event_id, event_time, attributes FROM engine.history WHERE workflow_id = $1 AND run_id = $2 AND event_id > $3 ORDER BY event_id");
        command.Parameters.Add(Sql.Text(key.WorkflowId));
        command.Parameters.Add(Sql.Text(key.RunId));
        command.Parameters.Add(Sql.Long(afterEventId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<HistoryEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(new HistoryEvent(reader.GetInt64(0), reader.Time(1), Sql.DeserializeEvent(reader.GetString(2))));
        }
        return events;
    }

    /// <inheritdoc />
    public async Task<WorkflowListPage> ListAsync(WorkflowListQuery query, CancellationToken cancellationToken = default)
    {
        var where = new List<string>();
        await using var command = DataSource.CreateCommand();
        string Add(NpgsqlParameter parameter)
        {
            command.Parameters.Add(parameter);
            return "$" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
        }
        if (query.WorkflowType is { } type)
        {
            where.Add($"workflow_type = {Add(Sql.Text(type))}");
        }
        if (query.Statuses is { Count: > 0 } statuses)
        {
            where.Add($"status = ANY({Add(new NpgsqlParameter { Value = statuses.Select(s => (short)s).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Smallint })})");
        }
        if (query.StartedAfter is { } after)
        {
            where.Add($"start_time >= {Add(Sql.Time(after))}");
        }
        if (query.StartedBefore is { } before)
        {
            where.Add($"start_time < {Add(Sql.Time(before))}");
        }
        if (query.WorkflowIdPrefix is { } prefix)
        {
            where.Add($"starts_with(workflow_id, {Add(Sql.Text(prefix))})");
        }
        if (query.SearchAttributes is { Count: > 0 } attributes)
        {
            where.Add($"search_attributes @> {Add(Sql.Json(Sql.Serialize(SearchAttributeValues.ToJson(attributes))))}");
        }
        if (query.PageToken is { } token)
        {
            var (time, run) = ParsePageToken(token);
            where.Add($"(start_time, run_id) < ({Add(Sql.Time(time))}, {Add(Sql.Text(run))})");
        }
        var pageSize = Math.Clamp(query.PageSize, 1, 1000);
        var text = new StringBuilder($"SELECT {ExecutionColumns} FROM engine.executions");
        if (where.Count > 0)
        {
            text.Append(" WHERE ").AppendJoin(" AND ", where);
        }
        text.Append(CultureInfo.InvariantCulture, $" ORDER BY start_time DESC, run_id DESC LIMIT {pageSize + 1}");
        command.CommandText = text.ToString();
        var rows = new List<WorkflowExecutionInfo>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(ReadExecution(reader));
            }
        }
        var page = rows.Take(pageSize).ToList();
        return new WorkflowListPage(page, rows.Count > pageSize ? PageToken(page[^1].StartTime, page[^1].RunId) : null);
    }

    /// <inheritdoc />
    public async Task WatchCloseAsync(string workflowId, bool watch, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand(watch
            ? "INSERT INTO engine.close_watchers (workflow_id, watcher) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            : "DELETE FROM engine.close_watchers WHERE workflow_id = $1 AND watcher = $2");
        command.Parameters.Add(Sql.Text(workflowId));
        command.Parameters.Add(Sql.Text(identity));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // ======================================================================= rows and helpers

    private const string ExecutionColumns =
        "workflow_id, run_id, workflow_type, task_queue, status, start_time, close_time, next_event_id, search_attributes, parent_workflow_id, result, failure, continued_as_run_id";

    private static WorkflowExecutionInfo ReadExecution(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), (WorkflowStatus)reader.GetInt16(4), reader.Time(5),
            reader.NullableTime(6), reader.GetInt64(7) - 1,
            JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(reader.GetString(8), PayloadConverter.Options) ?? [])
        {
            ParentWorkflowId = reader.NullableString(9),
            Result = Sql.Element(reader.NullableString(10)),
            Failure = Sql.Deserialize<Failure>(reader.NullableString(11)),
            ContinuedAsRunId = reader.NullableString(12),
        };

    private sealed record RunRow(string WorkflowId, string RunId, short Status, string? RequestId, string TaskQueue)
    {
        public ExecutionKey Key => new(WorkflowId, RunId);
    }

    private static async Task<RunRow?> LatestRunAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string workflowId, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction,
            "SELECT workflow_id, run_id, status, request_id, task_queue FROM engine.executions WHERE workflow_id = $1 ORDER BY run_seq DESC LIMIT 1 FOR UPDATE",
            Sql.Text(workflowId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new RunRow(reader.GetString(0), reader.GetString(1), reader.GetInt16(2), reader.NullableString(3), reader.GetString(4))
            : null;
    }

    private static async Task<RunRow?> LockRunningAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string workflowId, string? runId, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction,
            "SELECT workflow_id, run_id, status, request_id, task_queue FROM engine.executions WHERE workflow_id = $1 AND status = 1 AND ($2::text IS NULL OR run_id = $2) FOR UPDATE",
            Sql.Text(workflowId), Sql.Text(runId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new RunRow(reader.GetString(0), reader.GetString(1), reader.GetInt16(2), reader.NullableString(3), reader.GetString(4))
            : null;
    }

    /// <summary>Adds the statements that create a run with its first events (and a workflow task).</summary>
    private static void AddInsertRun(NpgsqlBatch batch, NewExecution execution, DateTimeOffset now, HistoryEventAttributes[] after, bool scheduleWorkflowTask)
    {
        var parent = execution.Parent;
        batch.BatchCommands.Add(Sql.Command("""
            INSERT INTO engine.executions (workflow_id, run_id, workflow_type, task_queue, status, next_event_id, start_time, request_id,
                parent_workflow_id, parent_run_id, parent_initiated_event_id, parent_close_policy, search_attributes)
            VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12)
            """,
            Sql.Text(execution.WorkflowId), Sql.Text(execution.RunId), Sql.Text(execution.WorkflowType), Sql.Text(execution.TaskQueue),
            Sql.Long(2 + after.Length), Sql.Time(now), Sql.Text(execution.RequestId), Sql.Text(parent?.WorkflowId), Sql.Text(parent?.RunId),
            Sql.Long(parent?.InitiatedEventId), new NpgsqlParameter { Value = parent is null ? DBNull.Value : (short)parent.ClosePolicy, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Smallint },
            Sql.Json(Sql.Serialize(execution.SearchAttributes))));
        var events = new List<HistoryEvent> { new(1, now, execution.StartedEvent()) };
        events.AddRange(after.Select((a, i) => new HistoryEvent(2 + i, now, a)));
        batch.BatchCommands.Add(InsertHistory(execution.Key, events));
        if (scheduleWorkflowTask)
        {
            batch.BatchCommands.Add(InsertWorkflowTask(execution.Key, execution.TaskQueue, now));
        }
    }

    private static NpgsqlBatchCommand InsertHistory(ExecutionKey key, IReadOnlyList<HistoryEvent> events) =>
        Sql.Command("""
            INSERT INTO engine.history (workflow_id, run_id, event_id, event_type, event_time, attributes)
            SELECT $1, $2, i.id, i.type, i.at, i.attributes FROM unnest($3::bigint[], $4::text[], $5::timestamptz[], $6::jsonb[]) AS i(id, type, at, attributes)
            """,
            Sql.Text(key.WorkflowId), Sql.Text(key.RunId), Sql.LongArray(events.Select(e => (long?)e.EventId).ToList()),
            Sql.TextArray(events.Select(e => (string?)e.EventType).ToList()), Sql.TimeArray(events.Select(e => (DateTimeOffset?)e.Timestamp).ToList()),
            Sql.JsonArray(events.Select(e => Sql.SerializeEvent(e.Attributes)).ToList()));

    private static NpgsqlBatchCommand InsertWorkflowTask(ExecutionKey key, string queue, DateTimeOffset now) =>
        Sql.Command("""
            WITH task AS (
                INSERT INTO engine.workflow_tasks (workflow_id, run_id, task_queue, due_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT DO NOTHING RETURNING task_queue)
            SELECT pg_notify('engine_work', 'q:' || task_queue) FROM task
            """, Sql.Text(key.WorkflowId), Sql.Text(key.RunId), Sql.Text(queue), Sql.Time(now));

    private static string PageToken(DateTimeOffset time, string runId) => $"{time.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{runId}";

    private static (DateTimeOffset Time, string RunId) ParsePageToken(string token)
    {
        var separator = token.IndexOf(':', StringComparison.Ordinal);
        return separator > 0 && long.TryParse(token.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? (new DateTimeOffset(ticks, TimeSpan.Zero), token[(separator + 1)..])
            : throw new ArgumentException("The page token is not valid.", nameof(token));
    }

    private void RaiseClosed(IEnumerable<string> workflowIds)
    {
        foreach (var workflowId in workflowIds.Distinct(StringComparer.Ordinal))
        {
            Raise(new WorkNotice(WorkKind.Closed, workflowId));
        }
    }
}
