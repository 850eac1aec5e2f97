using EasyParkPlus.Engine.Store;
using Npgsql;

namespace EasyParkPlus.Engine.Postgres;

public sealed partial class PostgresWorkflowStore
{
    /// <inheritdoc />
    public async Task<CommitResult> CommitWorkflowTaskAsync(WorkflowTaskCommit commit, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // Runs whose close or commands reach other runs (children, parents, cancellations) take an explicit
        // transaction with several round trips; everything else is one batch, one round trip, one commit.
        var family = commit.ChildStarts.Count > 0 || commit.CancelRequests.Count > 0
            || (commit.Close is not null && (commit.RunHasParent || commit.RunHasChildren));
        var closed = new List<string>();
        var queues = new HashSet<string>(commit.NotifyQueues, StringComparer.Ordinal);
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = family ? await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : null;
        try
        {
            await using (var batch = new NpgsqlBatch(connection, transaction))
            {
                AddCommit(batch, commit, now, family);
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            if (transaction is not null)
            {
                await ApplyFamilyEffectsAsync(connection, transaction, commit, now, closed, queues, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.AlreadyExistsState || (commit.NewRun is not null && ex.SqlState == PostgresErrorCodes.UniqueViolation))
        {
            return CommitResult.AlreadyExists;
        }
        catch (PostgresException ex) when (Sql.IsConflict(ex))
        {
            return CommitResult.Conflict;
        }

        if (commit.Close is not null)
        {
            closed.Add(commit.Key.WorkflowId);
        }
        if (commit.Close?.ContinuedAs is { } next)
        {
            queues.Add(next.TaskQueue);
        }
        foreach (var queue in queues)
        {
            RaiseQueue(queue);
        }
        RaiseClosed(closed);
        return CommitResult.Committed;
    }

    private static void AddCommit(NpgsqlBatch batch, WorkflowTaskCommit commit, DateTimeOffset now, bool family)
    {
        var key = commit.Key;
        var nextEventId = commit.Events.Count > 0 ? commit.Events[^1].EventId + 1 : commit.ExpectedNextEventId;
        var close = commit.Close;
        var closeStatus = close is null ? (short?)null : (short)close.Status;

        if (commit.NewRun is { } run)
        {
            var attributes = new Dictionary<string, System.Text.Json.JsonElement>(run.SearchAttributes, StringComparer.Ordinal);
            foreach (var (name, value) in commit.SearchAttributeUpdates ?? new Dictionary<string, System.Text.Json.JsonElement?>())
            {
                if (value is { } present)
                {
                    attributes[name] = present;
                }
                else
                {
                    attributes.Remove(name);
                }
            }
            // A repeated request id must find the earlier run (even closed), so an eager start steps aside.
            batch.BatchCommands.Add(Sql.Command("""
                WITH created AS (
                    INSERT INTO engine.executions (workflow_id, run_id, workflow_type, task_queue, status, next_event_id, start_time, request_id,
                        search_attributes, close_time, result, failure, continued_as_run_id)
                    SELECT $1, $2, $3, $4, COALESCE($5, 1), $6, $7, $8, $9, CASE WHEN $5 IS NULL THEN NULL ELSE $7 END, $10, $11, $12
                    WHERE NOT EXISTS (SELECT 1 FROM engine.executions WHERE workflow_id = $1 AND (status = 1 OR request_id = $8))
                    RETURNING 1)
                SELECT engine.expect(count(*), 1, 'workflow already started', 'EP002') FROM created
                """,
                Sql.Text(key.WorkflowId), Sql.Text(key.RunId), Sql.Text(run.WorkflowType), Sql.Text(run.TaskQueue),
                new NpgsqlParameter { Value = (object?)closeStatus ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Smallint },
                Sql.Long(nextEventId), Sql.Time(now), Sql.Text(run.RequestId), Sql.Json(Sql.Serialize(attributes)),
                Sql.Json(Sql.Raw(close?.Result)), Sql.Json(close?.Failure is { } f ? Sql.Serialize(f) : null), Sql.Text(close?.ContinuedAs?.RunId)));
        }
        else
        {
            var updates = commit.SearchAttributeUpdates;
            batch.BatchCommands.Add(Sql.Command("""
                WITH guarded AS (
                    UPDATE engine.executions SET
                        next_event_id = $3,
                        workflow_task_failure = NULL,
                        search_attributes = CASE WHEN $5::jsonb IS NULL THEN search_attributes ELSE (search_attributes - $6::text[]) || $5 END,
                        status = COALESCE($7, status),
                        close_time = CASE WHEN $7 IS NULL THEN NULL ELSE $8 END,
                        result = $9, failure = $10, continued_as_run_id = $11
                    WHERE workflow_id = $1 AND run_id = $2 AND next_event_id = $4 AND status = 1
                    RETURNING 1)
                SELECT engine.expect(count(*), 1, 'history moved on') FROM guarded
                """,
                Sql.Text(key.WorkflowId), Sql.Text(key.RunId), Sql.Long(nextEventId), Sql.Long(commit.ExpectedNextEventId),
                Sql.Json(updates is null ? null : Sql.Serialize(updates.Where(u => u.Value is not null).ToDictionary(u => u.Key, u => u.Value!.Value))),
                Sql.TextArray(updates?.Where(u => u.Value is null).Select(u => (string?)u.Key).ToList() ?? []),
                new NpgsqlParameter { Value = (object?)closeStatus ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Smallint },
                Sql.Time(now), Sql.Json(Sql.Raw(close?.Result)), Sql.Json(close?.Failure is { } f ? Sql.Serialize(f) : null), Sql.Text(close?.ContinuedAs?.RunId)));
        }

        if (commit.SignalRequestId is { } requestId)
        {
            batch.BatchCommands.Add(Sql.Command("""
                WITH fresh AS (INSERT INTO engine.signal_requests (workflow_id, request_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1)
                SELECT engine.expect(count(*), 1, 'signal request already recorded') FROM fresh
                """, Sql.Text(key.WorkflowId), Sql.Text(requestId), Sql.Time(now)));
        }
        if (commit.WorkflowTaskClaimToken is { } token)
        {
            batch.BatchCommands.Add(Sql.Command("""
                WITH gone AS (DELETE FROM engine.workflow_tasks WHERE workflow_id = $1 AND run_id = $2 AND claim_token = $3 RETURNING 1)
                SELECT engine.expect(count(*), 1, 'workflow task claim lost') FROM gone
                """, Sql.Text(key.WorkflowId), Sql.Text(key.RunId), Sql.Long(token)));
        }
        if (commit.CompletedActivity is { } activity)
        {
            batch.BatchCommands.Add(Sql.Command("""
                WITH gone AS (DELETE FROM engine.activity_tasks WHERE workflow_id = $1 AND run_id = $2 AND scheduled_event_id = $3 AND claim_token = $4 RETURNING 1)
                SELECT engine.expect(count(*), 1, 'activity claim lost') FROM gone
                """, Sql.Text(key.WorkflowId), Sql.Text(key.RunId), Sql.Long(activity.ScheduledEventId), Sql.Long(activity.ClaimToken)));
        }
        if (commit.Events.Count > 0)
        {
            batch.BatchCommands.Add(InsertHistory(key, commit.Events));
        }
        if (commit.ActivityTasks.Count > 0)
        {
            var tasks = commit.ActivityTasks;
            batch.BatchCommands.Add(Sql.Command("""
                INSERT INTO engine.activity_tasks (workflow_id, run_id, scheduled_event_id, workflow_type, task_queue, activity_type, input,
                    start_to_close_ms, heartbeat_timeout_ms, deadline, retry_policy, scheduled_time, visible_at, claimed_by, claim_token, lease_until,
                    started_time, trace_parent)
                SELECT $1, $2, i.id, $3, i.queue, i.type, i.input, i.start_to_close, i.heartbeat, i.deadline, i.retry, i.scheduled, i.scheduled,
                    i.claimed_by, COALESCE(i.token, 0), i.lease, CASE WHEN i.claimed_by IS NULL THEN NULL ELSE i.scheduled END, $4
                FROM unnest($5::bigint[], $6::text[], $7::text[], $8::jsonb[], $9::bigint[], $10::bigint[], $11::timestamptz[], $12::jsonb[],
                    $13::timestamptz[], $14::text[], $15::bigint[], $16::timestamptz[])
                    AS i(id, queue, type, input, start_to_close, heartbeat, deadline, retry, scheduled, claimed_by, token, lease)
                """,
                Sql.Text(key.WorkflowId), Sql.Text(key.RunId), Sql.Text(commit.WorkflowType), Sql.Text(commit.TraceParent),
                Sql.LongArray(tasks.Select(t => (long?)t.ScheduledEventId).ToList()),
                Sql.TextArray(tasks.Select(t => (string?)t.TaskQueue).ToList()),
                Sql.TextArray(tasks.Select(t => (string?)t.ActivityType).ToList()),
                Sql.JsonArray(tasks.Select(t => t.Input.GetRawText()).ToList()),
                Sql.LongArray(tasks.Select(t => Sql.Milliseconds(t.StartToCloseTimeout)).ToList()),
                Sql.LongArray(tasks.Select(t => Sql.Milliseconds(t.HeartbeatTimeout)).ToList()),
                Sql.TimeArray(tasks.Select(t => t.Deadline).ToList()),
                Sql.JsonArray(tasks.Select(t => Sql.Serialize(t.RetryPolicy)).ToList()),
                Sql.TimeArray(tasks.Select(t => (DateTimeOffset?)t.ScheduledTime).ToList()),
                Sql.TextArray(tasks.Select(t => t.Eager?.WorkerId).ToList()),
                Sql.LongArray(tasks.Select(t => t.Eager?.ClaimToken).ToList()),
                Sql.TimeArray(tasks.Select(t => t.Eager?.LeaseUntil).ToList())));
        }
        if (commit.Timers.Count > 0)
        {
            batch.BatchCommands.Add(Sql.Command("""
                INSERT INTO engine.timers (workflow_id, run_id, started_event_id, fire_at)
                SELECT $1, $2, i.id, i.at FROM unnest($3::bigint[], $4::timestamptz[]) AS i(id, at)
                """, Sql.Text(key.WorkflowId), Sql.Text(key.RunId), Sql.LongArray(commit.Timers.Select(t => (long?)t.StartedEventId).ToList()),
                Sql.TimeArray(commit.Timers.Select(t => (DateTimeOffset?)t.FireAt).ToList())));
        }
        if (commit.CanceledTimers.Count > 0)
        {
            batch.BatchCommands.Add(Sql.Command("DELETE FROM engine.timers WHERE workflow_id = $1 AND run_id = $2 AND started_event_id = ANY($3)",
                Sql.Text(key.WorkflowId), Sql.Text(key.RunId), Sql.LongArray(commit.CanceledTimers.Select(t => (long?)t).ToList())));
        }
        if (commit.CanceledActivities.Count > 0)
        {
            batch.BatchCommands.Add(Sql.Command("DELETE FROM engine.activity_tasks WHERE workflow_id = $1 AND run_id = $2 AND scheduled_event_id = ANY($3)",
                Sql.Text(key.WorkflowId), Sql.Text(key.RunId), Sql.LongArray(commit.CanceledActivities.Select(t => (long?)t).ToList())));
        }
        if (close is not null)
        {
            AddCloseCleanup(batch, key);
            if (close.ContinuedAs is { } next && !family)
            {
                AddInsertRun(batch, next, now, [], scheduleWorkflowTask: true);
            }
        }
        else if (commit.ScheduleWorkflowTask && !family)
        {
            batch.BatchCommands.Add(InsertWorkflowTask(key, commit.TaskQueue, now));
        }
        if (commit.NotifyQueues.Count > 0)
        {
            batch.BatchCommands.Add(Sql.Command("SELECT pg_notify('engine_work', 'q:' || q) FROM unnest($1::text[]) AS q",
                Sql.TextArray(commit.NotifyQueues.Select(q => (string?)q).ToList())));
        }
    }

    /// <summary>A closed run keeps no tasks or timers; processes waiting for it are told.</summary>
    private static void AddCloseCleanup(NpgsqlBatch batch, ExecutionKey key)
    {
        batch.BatchCommands.Add(Sql.Command("DELETE FROM engine.activity_tasks WHERE workflow_id = $1 AND run_id = $2", Sql.Text(key.WorkflowId), Sql.Text(key.RunId)));
        batch.BatchCommands.Add(Sql.Command("DELETE FROM engine.timers WHERE workflow_id = $1 AND run_id = $2", Sql.Text(key.WorkflowId), Sql.Text(key.RunId)));
        batch.BatchCommands.Add(Sql.Command("DELETE FROM engine.workflow_tasks WHERE workflow_id = $1 AND run_id = $2", Sql.Text(key.WorkflowId), Sql.Text(key.RunId)));
        batch.BatchCommands.Add(Sql.Command("SELECT pg_notify('engine_closed', $1) FROM engine.close_watchers WHERE workflow_id = $1 LIMIT 1", Sql.Text(key.WorkflowId)));
    }

    /// <summary>The effects of a commit on other runs: children started, cancellations sent, the parent told, children closed.</summary>
    private async Task ApplyFamilyEffectsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WorkflowTaskCommit commit, DateTimeOffset now,
        List<string> closed, HashSet<string> queues, CancellationToken cancellationToken)
    {
        var key = commit.Key;
        foreach (var child in commit.ChildStarts)
        {
            if (await IsRunningAsync(connection, transaction, child.Execution.WorkflowId, cancellationToken).ConfigureAwait(false))
            {
                await AppendEventsAsync(connection, transaction, key,
                    [new StartChildWorkflowExecutionFailed(child.InitiatedEventId, child.Execution.WorkflowId, "WorkflowAlreadyStarted")], now, cancellationToken).ConfigureAwait(false);
                continue;
            }
            await using (var batch = new NpgsqlBatch(connection, transaction))
            {
                AddInsertRun(batch, child.Execution, now, [], scheduleWorkflowTask: true);
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            queues.Add(child.Execution.TaskQueue);
            await AppendEventsAsync(connection, transaction, key,
                [new ChildWorkflowExecutionStarted(child.InitiatedEventId, child.Execution.WorkflowId, child.Execution.RunId)], now, cancellationToken).ConfigureAwait(false);
        }
        foreach (var cancel in commit.CancelRequests)
        {
            if (await RequestCancelAsync(connection, transaction, cancel.WorkflowId, cancel.RunId, $"Requested by {key.WorkflowId}", now, cancellationToken).ConfigureAwait(false) is { } queue)
            {
                queues.Add(queue);
            }
        }
        if (commit.Close is { } close)
        {
            var parent = await ParentOfAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false);
            if (close.ContinuedAs is { } next)
            {
                await using var batch = new NpgsqlBatch(connection, transaction);
                AddInsertRun(batch, next with { Parent = parent }, now, [], scheduleWorkflowTask: true);
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await CloseRelativesAsync(connection, transaction, key, parent, close.Status, close.Result, close.Failure, now, closed, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Terminates a running run: appends the event, closes it, and closes or tells its relatives.</summary>
    private async Task TerminateRunAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RunRow run, string? reason, string? terminatedBy,
        DateTimeOffset now, List<string> closed, CancellationToken cancellationToken)
    {
        var failure = new Failure { Kind = FailureKind.Terminated, Message = reason ?? "Terminated" };
        await AppendEventsAsync(connection, transaction, run.Key, [new WorkflowExecutionTerminated(reason, terminatedBy)], now, cancellationToken, scheduleWorkflowTask: false)
            .ConfigureAwait(false);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Sql.Command("UPDATE engine.executions SET status = 5, close_time = $3, failure = $4 WHERE workflow_id = $1 AND run_id = $2",
                Sql.Text(run.WorkflowId), Sql.Text(run.RunId), Sql.Time(now), Sql.Json(Sql.Serialize(failure))));
            AddCloseCleanup(batch, run.Key);
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        closed.Add(run.WorkflowId);
        var parent = await ParentOfAsync(connection, transaction, run.Key, cancellationToken).ConfigureAwait(false);
        await CloseRelativesAsync(connection, transaction, run.Key, parent, WorkflowStatus.Terminated, null, failure, now, closed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells the parent that its child closed, and applies this run's close policy to its running children.</summary>
    private async Task CloseRelativesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ExecutionKey key, ParentReference? parent, WorkflowStatus status,
        System.Text.Json.JsonElement? result, Failure? failure, DateTimeOffset now, List<string> closed, CancellationToken cancellationToken)
    {
        if (parent is not null)
        {
            await AppendEventsAsync(connection, transaction, new ExecutionKey(parent.WorkflowId, parent.RunId),
                [new ChildWorkflowExecutionClosed(parent.InitiatedEventId, key.WorkflowId, key.RunId, status, result, failure)], now, cancellationToken).ConfigureAwait(false);
        }
        var children = new List<(RunRow Run, ParentClosePolicy Policy)>();
        await using (var command = Sql.Command(connection, transaction, """
            SELECT workflow_id, run_id, status, request_id, task_queue, parent_close_policy FROM engine.executions
            WHERE parent_workflow_id = $1 AND parent_run_id = $2 AND status = 1 ORDER BY run_seq FOR UPDATE
            """, Sql.Text(key.WorkflowId), Sql.Text(key.RunId)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                children.Add((new RunRow(reader.GetString(0), reader.GetString(1), reader.GetInt16(2), reader.NullableString(3), reader.GetString(4)),
                    (ParentClosePolicy)reader.GetInt16(5)));
            }
        }
        foreach (var (child, policy) in children)
        {
            if (policy == ParentClosePolicy.Terminate)
            {
                await TerminateRunAsync(connection, transaction, child, "Parent closed", null, now, closed, cancellationToken).ConfigureAwait(false);
            }
            else if (policy == ParentClosePolicy.RequestCancel)
            {
                await RequestCancelAsync(connection, transaction, child.WorkflowId, child.RunId, "Parent closed", now, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<ParentReference?> ParentOfAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ExecutionKey key, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction,
            "SELECT parent_workflow_id, parent_run_id, parent_initiated_event_id, parent_close_policy FROM engine.executions WHERE workflow_id = $1 AND run_id = $2",
            Sql.Text(key.WorkflowId), Sql.Text(key.RunId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0)
            ? new ParentReference(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), (ParentClosePolicy)reader.GetInt16(3))
            : null;
    }

    private static async Task<bool> IsRunningAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string workflowId, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, "SELECT 1 FROM engine.executions WHERE workflow_id = $1 AND status = 1", Sql.Text(workflowId));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>
    /// Appends events to a running run at its current end (the row lock orders concurrent appenders) and makes sure a
    /// workflow task is pending. Returns the run's task queue, or null when the run is not running.
    /// </summary>
    private static async Task<string?> AppendEventsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, ExecutionKey key,
        IReadOnlyList<HistoryEventAttributes> events, DateTimeOffset now, CancellationToken cancellationToken, bool scheduleWorkflowTask = true,
        ActivityTaskReference? completes = null)
    {
        const string sql = """
            WITH gone AS (
                DELETE FROM engine.activity_tasks WHERE $8 AND workflow_id = $1 AND run_id = $2 AND scheduled_event_id = $9 AND claim_token = $10 RETURNING 1),
            bumped AS (
                UPDATE engine.executions SET next_event_id = next_event_id + cardinality($3::text[])
                WHERE workflow_id = $1 AND run_id = $2 AND status = 1 AND (NOT $8 OR EXISTS (SELECT 1 FROM gone))
                RETURNING next_event_id - cardinality($3::text[]) AS first_id, task_queue),
            appended AS (
                INSERT INTO engine.history (workflow_id, run_id, event_id, event_type, event_time, attributes)
                SELECT $1, $2, b.first_id + i.ordinality - 1, i.type, $5, i.attributes
                FROM bumped b, unnest($3::text[], $4::jsonb[]) WITH ORDINALITY AS i(type, attributes, ordinality)),
            task AS (
                INSERT INTO engine.workflow_tasks (workflow_id, run_id, task_queue, due_at)
                SELECT $1, $2, task_queue, $5 FROM bumped WHERE $6 ON CONFLICT DO NOTHING RETURNING task_queue),
            notified AS (SELECT pg_notify('engine_work', 'q:' || task_queue) FROM task)
            SELECT (SELECT task_queue FROM bumped), (SELECT count(*) FROM notified), (SELECT count(*) FROM gone), $7::int
            """;
        await using var command = Sql.Command(connection, transaction, sql, Sql.Text(key.WorkflowId), Sql.Text(key.RunId),
            Sql.TextArray(events.Select(e => (string?)e.EventType).ToList()), Sql.JsonArray(events.Select(Sql.SerializeEvent).ToList()), Sql.Time(now),
            Sql.Bool(scheduleWorkflowTask), Sql.Int(events.Count), Sql.Bool(completes is not null), Sql.Long(completes?.ScheduledEventId ?? 0),
            Sql.Long(completes?.ClaimToken ?? 0));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return reader.NullableString(0);
    }
}
