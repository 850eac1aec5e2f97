using EasyParkPlus.TemporalServer.History;
using Temporalio.Api.History.V1;

namespace EasyParkPlus.TemporalServer.Persistence.InMemory;

/// <summary>
/// The store for tests and the time-skipping server: everything in process memory behind one lock (held only for
/// in-memory work, never across I/O). States are stored as the immutable snapshots transitions hand over.
/// </summary>
public sealed class InMemoryServerStore : IServerStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, NamespaceRecord> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<RunKey, RunState> _runs = [];
    private readonly Dictionary<RunKey, List<HistoryEvent>> _histories = [];
    private readonly Dictionary<WorkflowKey, CurrentRun> _current = [];
    private readonly Dictionary<TimerTaskKey, Leased<TimerTask>> _timers = [];
    private readonly Dictionary<QueueTaskKey, Leased<QueueTask>> _queueTasks = [];
    private readonly Dictionary<TransferTaskKey, Leased<TransferTask>> _transfers = [];
    private readonly Dictionary<RunKey, VisibilityRecord> _visibility = [];

    private sealed class Leased<T>(T task)
    {
        public T Task { get; } = task;
        public DateTimeOffset LeaseUntil { get; set; } = DateTimeOffset.MinValue;
    }

    public ValueTask<IReadOnlyList<NamespaceRecord>> LoadNamespacesAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult<IReadOnlyList<NamespaceRecord>>([.. _namespaces.Values]);
        }
    }

    public ValueTask<bool> SaveNamespaceAsync(NamespaceRecord record, long expectedRevision, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var exists = _namespaces.TryGetValue(record.Name, out var current);
            if (expectedRevision == 0 ? exists : !exists || current!.Revision != expectedRevision)
            {
                return ValueTask.FromResult(false);
            }
            _namespaces[record.Name] = record with { Revision = expectedRevision + 1 };
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<RunState?> LoadRunAsync(RunKey key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_runs.GetValueOrDefault(key));
        }
    }

    public ValueTask<CurrentRun?> GetCurrentRunAsync(WorkflowKey key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_current.GetValueOrDefault(key));
        }
    }

    public ValueTask<IReadOnlyList<HistoryEvent>> ReadHistoryAsync(RunKey key, long fromEventId, long toEventId, int maxEvents, bool reverse, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_histories.TryGetValue(key, out var history))
            {
                return ValueTask.FromResult<IReadOnlyList<HistoryEvent>>([]);
            }
            // Event ids are dense from 1, so an id is its index + 1.
            var from = Math.Max(1, fromEventId);
            var to = Math.Min(history.Count + 1, toEventId);
            var count = (int)Math.Max(0, Math.Min(maxEvents, to - from));
            var page = new List<HistoryEvent>(count);
            for (var i = 0; i < count; i++)
            {
                page.Add(history[(int)(reverse ? to - 2 - i : from - 1 + i)]);
            }
            return ValueTask.FromResult<IReadOnlyList<HistoryEvent>>(page);
        }
    }

    public ValueTask CommitAsync(CommitBatch batch, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var run in batch.Runs)
            {
                var stored = _runs.GetValueOrDefault(run.Key);
                if ((stored?.Version ?? 0) != run.ExpectedVersion)
                {
                    throw new CommitConflictException($"run {run.Key} is at version {stored?.Version ?? 0}, not {run.ExpectedVersion}");
                }
                if (run.BecomeCurrent is { } guard)
                {
                    var current = _current.GetValueOrDefault(new WorkflowKey(run.Key.Namespace, run.Key.WorkflowId));
                    if (current?.RunId != guard.ExpectedRunId)
                    {
                        throw new CommitConflictException($"workflow {run.Key.WorkflowId} has current run {current?.RunId ?? "none"}, not {guard.ExpectedRunId ?? "none"}");
                    }
                }
                var expectedFirst = stored?.NextEventId ?? 1;
                if (run.Events.Count > 0 && run.Events[0].EventId != expectedFirst)
                {
                    throw new InvalidOperationException($"events of {run.Key} must continue at {expectedFirst}, not {run.Events[0].EventId}");
                }
            }

            foreach (var run in batch.Runs)
            {
                _runs[run.Key] = run.State;
                if (!_histories.TryGetValue(run.Key, out var history))
                {
                    _histories[run.Key] = history = [];
                }
                history.AddRange(run.Events);
                var workflow = new WorkflowKey(run.Key.Namespace, run.Key.WorkflowId);
                if (run.Current is not null && (run.BecomeCurrent is not null || _current.GetValueOrDefault(workflow)?.RunId == run.Key.RunId))
                {
                    _current[workflow] = run.Current;
                }
                if (run.Visibility is not null)
                {
                    _visibility[run.Key] = run.Visibility;
                }
                foreach (var key in run.RemovedTimers)
                {
                    _timers.Remove(key);
                }
                foreach (var timer in run.AddedTimers)
                {
                    _timers[timer.Key] = new(timer);
                }
                foreach (var key in run.RemovedQueueTasks)
                {
                    _queueTasks.Remove(key);
                }
                foreach (var task in run.AddedQueueTasks)
                {
                    _queueTasks[task.Key] = new(task);
                }
                foreach (var key in run.RemovedTransfers)
                {
                    _transfers.Remove(key);
                }
                foreach (var transfer in run.AddedTransfers)
                {
                    _transfers[transfer.Key] = new(transfer);
                }
            }
            foreach (var key in batch.CompletedTransfers)
            {
                _transfers.Remove(key);
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<TimerTask>> ClaimTimersAsync(DateTimeOffset dueBy, int max, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var claimed = _timers.Values
                .Where(t => t.Task.FireTime <= dueBy && t.LeaseUntil < dueBy)
                .OrderBy(t => t.Task.FireTime)
                .Take(max)
                .ToList();
            claimed.ForEach(t => t.LeaseUntil = leaseUntil);
            return ValueTask.FromResult<IReadOnlyList<TimerTask>>([.. claimed.Select(t => t.Task)]);
        }
    }

    public ValueTask<DateTimeOffset?> NextTimerDueAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_timers.Count == 0 ? null : (DateTimeOffset?)_timers.Values.Min(t => t.Task.FireTime));
        }
    }

    public ValueTask<IReadOnlyList<TransferTask>> ClaimTransfersAsync(int max, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var claimed = _transfers.Values.Where(t => t.LeaseUntil < now).OrderBy(t => t.Task.CreatedTime).Take(max).ToList();
            claimed.ForEach(t => t.LeaseUntil = leaseUntil);
            return ValueTask.FromResult<IReadOnlyList<TransferTask>>([.. claimed.Select(t => t.Task)]);
        }
    }

    public ValueTask<IReadOnlyList<QueueTask>> ClaimQueueTasksAsync(TaskQueueKey queue, int max, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var claimed = _queueTasks.Values
                .Where(t => t.Task.Queue == queue && t.LeaseUntil < now)
                .OrderBy(t => t.Task.CreatedTime)
                .Take(max)
                .ToList();
            claimed.ForEach(t => t.LeaseUntil = leaseUntil);
            return ValueTask.FromResult<IReadOnlyList<QueueTask>>([.. claimed.Select(t => t.Task)]);
        }
    }

    public ValueTask<VisibilityPage> ListExecutionsAsync(string @namespace, Visibility.VisibilityQuery query, int pageSize, byte[]? pageToken, CancellationToken cancellationToken) =>
        ValueTask.FromResult(VisibilityListing.List(query, Snapshot(@namespace), pageSize, pageToken));

    public ValueTask<Visibility.VisibilityCount> CountExecutionsAsync(string @namespace, Visibility.VisibilityQuery query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(VisibilityListing.Count(query, Snapshot(@namespace)));

    // Filters run outside the lock, over the records as they were.
    private List<VisibilityRecord> Snapshot(string @namespace)
    {
        lock (_lock)
        {
            return [.. _visibility.Values.Where(r => r.Key.Namespace == @namespace)];
        }
    }

    public ValueTask<VisibilityRecord?> GetVisibilityAsync(RunKey key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_visibility.GetValueOrDefault(key));
        }
    }
}
