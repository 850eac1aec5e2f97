using EasyParkPlus.TemporalServer.History;
using Npgsql;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using static EasyParkPlus.TemporalServer.Persistence.Postgres.CommitStatements;

namespace EasyParkPlus.TemporalServer.Persistence.Postgres;

/// <summary>
/// The store on PostgreSQL (schema "temporal", see <c>Migrations/</c>), safe with several server processes on one
/// database: commits are version-guarded batches in one round trip, claims take rows with FOR UPDATE SKIP LOCKED and
/// a lease, and queues that got tasks no poller of this process took are announced to other processes after the commit
/// (<see cref="PostgresQueueNotifier"/>, posted by <see cref="PostgresWorkSharing"/>).
/// </summary>
public sealed class PostgresServerStore(NpgsqlDataSource dataSource) : IServerStore
{
    private const string GuardFailed = "TP409";

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>Announces queues with new tasks to other server processes (NOTIFY outside the durable commit).</summary>
    public PostgresQueueNotifier Notifier { get; } = new(dataSource);

    /// <summary>A data source with prepared statements for <paramref name="connectionString"/>.</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 100;
            builder.AutoPrepareMinUsages = 2;
        }
        // With prepared statements, Npgsql resets a pooled connection by seven statements (RESET ALL, UNLISTEN *, ...)
        // sent before its next use: 34 of them per three-activity workflow. The store keeps no session state on pooled
        // connections (the listener unlistens before it gives its connection back), so there is nothing to reset.
        builder.NoResetOnClose = true;
        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    public async ValueTask<IReadOnlyList<NamespaceRecord>> LoadNamespacesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT record::text, revision FROM temporal.namespaces");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<NamespaceRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(StateCodec.DecodeNamespace(reader.GetString(0)) with { Revision = reader.GetInt64(1) });
        }
        return records;
    }

    public async ValueTask<bool> SaveNamespaceAsync(NamespaceRecord record, long expectedRevision, CancellationToken cancellationToken)
    {
        var stored = record with { Revision = expectedRevision + 1 };
        await using var command = dataSource.CreateCommand(expectedRevision == 0
            ? "INSERT INTO temporal.namespaces (name, record, revision) VALUES ($1, $2::jsonb, $3) ON CONFLICT (name) DO NOTHING"
            : "UPDATE temporal.namespaces SET record = $2::jsonb, revision = $3 WHERE name = $1 AND revision = $4");
        command.Parameters.Add(Text(record.Name));
        command.Parameters.Add(Text(StateCodec.EncodeNamespace(stored)));
        command.Parameters.Add(Long(stored.Revision));
        if (expectedRevision != 0)
        {
            command.Parameters.Add(Long(expectedRevision));
        }
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<RunState?> LoadRunAsync(RunKey key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT state FROM temporal.runs WHERE namespace = $1 AND workflow_id = $2 AND run_id = $3");
        AddKey(command, key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? StateCodec.DecodeRun(reader.GetFieldValue<byte[]>(0)) : null;
    }

    public async ValueTask<CurrentRun?> GetCurrentRunAsync(WorkflowKey key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT run_id, status, start_request_id, start_time FROM temporal.current_runs WHERE namespace = $1 AND workflow_id = $2");
        command.Parameters.Add(Text(key.Namespace));
        command.Parameters.Add(Text(key.WorkflowId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new CurrentRun(reader.GetString(0), (WorkflowExecutionStatus)reader.GetInt32(1), reader.GetString(2), Utc(reader.GetDateTime(3)))
            : null;
    }

    public async ValueTask<IReadOnlyList<HistoryEvent>> ReadHistoryAsync(RunKey key, long fromEventId, long toEventId, int maxEvents, bool reverse, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(reverse
            ? "SELECT data FROM temporal.events WHERE namespace = $1 AND workflow_id = $2 AND run_id = $3 AND event_id >= $4 AND event_id < $5 ORDER BY event_id DESC LIMIT $6"
            : "SELECT data FROM temporal.events WHERE namespace = $1 AND workflow_id = $2 AND run_id = $3 AND event_id >= $4 AND event_id < $5 ORDER BY event_id LIMIT $6");
        AddKey(command, key);
        command.Parameters.Add(Long(fromEventId));
        command.Parameters.Add(Long(toEventId));
        command.Parameters.Add(Int(Math.Max(0, maxEvents)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<HistoryEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(HistoryEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(0)));
        }
        return events;
    }

    public async ValueTask CommitAsync(CommitBatch batch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var npgsqlBatch = new NpgsqlBatch(connection);
        Add(npgsqlBatch, batch);
        if (npgsqlBatch.BatchCommands.Count == 0)
        {
            return;
        }
        try
        {
            await npgsqlBatch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == GuardFailed
            || (e.SqlState == PostgresErrorCodes.UniqueViolation && e.TableName is "runs" or "current_runs"))
        {
            throw new CommitConflictException(e.MessageText);
        }
    }

    public async ValueTask<IReadOnlyList<TimerTask>> ClaimTimersAsync(DateTimeOffset dueBy, int max, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE temporal.timer_tasks t SET lease_until = $3
            FROM (SELECT namespace, workflow_id, run_id, kind, entity, stamp FROM temporal.timer_tasks
                  WHERE fire_time <= $1 AND lease_until < $1 ORDER BY fire_time LIMIT $2 FOR UPDATE SKIP LOCKED) c
            WHERE (t.namespace, t.workflow_id, t.run_id, t.kind, t.entity, t.stamp) = (c.namespace, c.workflow_id, c.run_id, c.kind, c.entity, c.stamp)
            RETURNING t.namespace, t.workflow_id, t.run_id, t.kind, t.entity, t.stamp, t.fire_time
            """);
        command.Parameters.Add(Time(dueBy));
        command.Parameters.Add(Int(max));
        command.Parameters.Add(Time(leaseUntil));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var timers = new List<TimerTask>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var run = new RunKey(reader.GetString(0), reader.GetString(1), reader.GetString(2));
            timers.Add(new TimerTask(new TimerTaskKey(run, (TimerKind)reader.GetInt16(3), reader.GetString(4), reader.GetInt64(5)), Utc(reader.GetDateTime(6))));
        }
        return [.. timers.OrderBy(t => t.FireTime)];
    }

    public async ValueTask<DateTimeOffset?> NextTimerDueAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT min(fire_time) FROM temporal.timer_tasks");
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime due ? Utc(due) : null;
    }

    public async ValueTask<IReadOnlyList<TransferTask>> ClaimTransfersAsync(int max, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE temporal.transfer_tasks t SET lease_until = $3
            FROM (SELECT namespace, workflow_id, run_id, kind, event_id FROM temporal.transfer_tasks
                  WHERE lease_until < $1 ORDER BY created_time LIMIT $2 FOR UPDATE SKIP LOCKED) c
            WHERE (t.namespace, t.workflow_id, t.run_id, t.kind, t.event_id) = (c.namespace, c.workflow_id, c.run_id, c.kind, c.event_id)
            RETURNING t.namespace, t.workflow_id, t.run_id, t.kind, t.event_id, t.created_time
            """);
        command.Parameters.Add(Time(now));
        command.Parameters.Add(Int(max));
        command.Parameters.Add(Time(leaseUntil));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var transfers = new List<TransferTask>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var run = new RunKey(reader.GetString(0), reader.GetString(1), reader.GetString(2));
            transfers.Add(new TransferTask(new TransferTaskKey(run, (TransferKind)reader.GetInt16(3), reader.GetInt64(4)), Utc(reader.GetDateTime(5))));
        }
        return [.. transfers.OrderBy(t => t.CreatedTime)];
    }

    public async ValueTask<IReadOnlyList<QueueTask>> ClaimQueueTasksAsync(TaskQueueKey queue, int max, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE temporal.queue_tasks t SET lease_until = $6
            FROM (SELECT namespace, workflow_id, run_id, type, scheduled_event_id, stamp FROM temporal.queue_tasks
                  WHERE namespace = $1 AND task_queue = $2 AND type = $3 AND lease_until < $4 ORDER BY created_time LIMIT $5 FOR UPDATE SKIP LOCKED) c
            WHERE (t.namespace, t.workflow_id, t.run_id, t.type, t.scheduled_event_id, t.stamp) = (c.namespace, c.workflow_id, c.run_id, c.type, c.scheduled_event_id, c.stamp)
            RETURNING t.namespace, t.workflow_id, t.run_id, t.type, t.scheduled_event_id, t.stamp, t.task_queue, t.created_time
            """);
        command.Parameters.Add(Text(queue.Namespace));
        command.Parameters.Add(Text(queue.Name));
        command.Parameters.Add(Short((short)queue.Type));
        command.Parameters.Add(Time(now));
        command.Parameters.Add(Int(max));
        command.Parameters.Add(Time(leaseUntil));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tasks = new List<QueueTask>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var run = new RunKey(reader.GetString(0), reader.GetString(1), reader.GetString(2));
            var key = new QueueTaskKey(run, (QueueTaskType)reader.GetInt16(3), reader.GetInt64(4), reader.GetInt64(5));
            tasks.Add(new QueueTask(key, reader.GetString(6), Utc(reader.GetDateTime(7))));
        }
        return [.. tasks.OrderBy(t => t.CreatedTime)];
    }

    public async ValueTask<VisibilityPage> ListExecutionsAsync(string @namespace, Visibility.VisibilityQuery query, int pageSize, byte[]? pageToken, CancellationToken cancellationToken) =>
        await VisibilityRows.ListAsync(dataSource, @namespace, query, pageSize, pageToken, cancellationToken);

    public async ValueTask<Visibility.VisibilityCount> CountExecutionsAsync(string @namespace, Visibility.VisibilityQuery query, CancellationToken cancellationToken) =>
        await VisibilityRows.CountAsync(dataSource, @namespace, query, cancellationToken);

    public async ValueTask<VisibilityRecord?> GetVisibilityAsync(RunKey key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT record FROM {VisibilityRows.Table} WHERE namespace_id = $1 AND run_id = $2");
        command.Parameters.Add(Text(key.Namespace));
        command.Parameters.Add(Text(key.RunId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? StateCodec.DecodeVisibility(reader.GetFieldValue<byte[]>(0)) : null;
    }

    private static void AddKey(NpgsqlCommand command, RunKey key)
    {
        command.Parameters.Add(Text(key.Namespace));
        command.Parameters.Add(Text(key.WorkflowId));
        command.Parameters.Add(Text(key.RunId));
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
