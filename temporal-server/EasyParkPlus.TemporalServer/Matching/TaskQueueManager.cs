using System.Collections.Concurrent;
using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Persistence;

namespace EasyParkPlus.TemporalServer.Matching;

/// <summary>What a poller receives: a queue task to start, or a query to answer.</summary>
public sealed record MatchedTask(QueueTask? Task, PendingQuery? Query);

/// <summary>A poller seen recently on a queue (what DescribeTaskQueue reports).</summary>
public sealed record PollerSeen(string Identity, DateTimeOffset LastAccessTime);

/// <summary>
/// The task queues of this process. A task added while a poller waits goes straight to it (sync match); otherwise it
/// waits in the queue's backlog, oldest first. Queue tasks are hints: whoever gets one starts it through the run's
/// state, which drops a stale one.
/// </summary>
public sealed class TaskQueueManager(HistoryEngine engine, TimeProvider wall) : ICommitObserver
{
    private readonly ConcurrentDictionary<TaskQueueKey, TaskQueue> _queues = new();
    private readonly ConcurrentDictionary<TaskQueueKey, byte> _goneSticky = new();

    public void OnCommitted(CommittedRun run)
    {
        foreach (var task in run.Commit.AddedQueueTasks)
        {
            if (_goneSticky.ContainsKey(task.Queue))
            {
                // Its worker shut down: the task goes to the run's normal queue instead of waiting out a timeout.
                _ = MoveOffStickyAsync(task.Key.Run, task.TaskQueue);
                continue;
            }
            if (!Queue(task.Queue).Add(new MatchedTask(task, null)))
            {
                Unmatched?.Invoke(task.Queue);
            }
        }
    }

    /// <summary>
    /// Told the queue of each committed task no poller here took at once, which pollers of other server processes on
    /// the same store may want (a task handed to a poller here needs no announcement).
    /// </summary>
    public Action<TaskQueueKey>? Unmatched { get; set; }

    /// <summary>The worker of a sticky queue shut down: what waits there and what would go there moves to normal queues.</summary>
    public async Task RetireStickyAsync(TaskQueueKey sticky, Action<PendingQuery> requeueQuery)
    {
        _goneSticky[sticky] = 0;
        foreach (var item in Drain(sticky))
        {
            if (item.Task is { } task)
            {
                await MoveOffStickyAsync(task.Key.Run, sticky.Name);
            }
            else if (item.Query is { } query)
            {
                requeueQuery(query);
            }
        }
    }

    /// <summary>Takes a run off a sticky queue; a task waiting there moves to the run's normal queue.</summary>
    public async Task MoveOffStickyAsync(RunKey run, string stickyQueue)
    {
        try
        {
            await engine.UpdateAsync(run, tx =>
            {
                WorkflowTasks.StickyWorkerGone(tx, stickyQueue);
                return 0;
            }, CancellationToken.None);
        }
        catch (Frontend.RpcError e) when (e.Code == Grpc.Core.StatusCode.NotFound)
        {
        }
    }

    /// <summary>Offers a task (or query) to the queue again, e.g. when the poller that got it went away.</summary>
    public void Add(TaskQueueKey key, MatchedTask item) => Queue(key).Add(item);

    /// <summary>Waits for a task on the queue until <paramref name="cancellationToken"/> (the poll's deadline) fires; null then.</summary>
    public Task<MatchedTask?> PollAsync(TaskQueueKey key, string identity, CancellationToken cancellationToken)
    {
        _goneSticky.TryRemove(key, out _);
        return Queue(key).PollAsync(identity, wall.GetUtcNow(), cancellationToken);
    }

    /// <summary>Whether a worker polled the queue within <paramref name="within"/> (a sticky worker still alive).</summary>
    public bool PolledRecently(TaskQueueKey key, TimeSpan within)
    {
        var since = wall.GetUtcNow() - within;
        return _queues.TryGetValue(key, out var queue) && (queue.HasWaiters || queue.Pollers().Any(p => p.LastAccessTime >= since));
    }

    /// <summary>Whether a poller waits on the queue right now.</summary>
    public bool HasWaiters(TaskQueueKey key) => _queues.TryGetValue(key, out var queue) && queue.HasWaiters;

    /// <summary>The queues on which a poller waits right now (worth fetching tasks other processes queued).</summary>
    public IReadOnlyList<TaskQueueKey> QueuesWithWaiters() => [.. _queues.Where(q => q.Value.HasWaiters).Select(q => q.Key)];

    public IReadOnlyList<PollerSeen> Pollers(TaskQueueKey key) => _queues.TryGetValue(key, out var queue) ? queue.Pollers() : [];

    public int BacklogCount(TaskQueueKey key) => _queues.TryGetValue(key, out var queue) ? queue.BacklogCount : 0;

    /// <summary>Removes and returns whatever waits on a queue (a sticky queue whose worker shut down).</summary>
    public IReadOnlyList<MatchedTask> Drain(TaskQueueKey key) => _queues.TryGetValue(key, out var queue) ? queue.Drain() : [];

    private TaskQueue Queue(TaskQueueKey key) => _queues.GetOrAdd(key, static _ => new TaskQueue());

    private sealed class TaskQueue
    {
        private readonly Lock _lock = new();
        private readonly Queue<MatchedTask> _backlog = new();
        private readonly LinkedList<TaskCompletionSource<MatchedTask?>> _waiters = new();
        private readonly Dictionary<string, DateTimeOffset> _pollers = new(StringComparer.Ordinal);

        public bool HasWaiters
        {
            get
            {
                lock (_lock)
                {
                    return _waiters.Count > 0;
                }
            }
        }

        public int BacklogCount
        {
            get
            {
                lock (_lock)
                {
                    return _backlog.Count;
                }
            }
        }

        /// <returns>Whether a waiting poller took it.</returns>
        public bool Add(MatchedTask item)
        {
            lock (_lock)
            {
                while (_waiters.First is { } first)
                {
                    _waiters.RemoveFirst();
                    if (first.Value.TrySetResult(item))
                    {
                        return true;
                    }
                }
                _backlog.Enqueue(item);
                return false;
            }
        }

        public List<MatchedTask> Drain()
        {
            lock (_lock)
            {
                var items = _backlog.ToList();
                _backlog.Clear();
                return items;
            }
        }

        public IReadOnlyList<PollerSeen> Pollers()
        {
            lock (_lock)
            {
                return [.. _pollers.Select(p => new PollerSeen(p.Key, p.Value))];
            }
        }

        public async Task<MatchedTask?> PollAsync(string identity, DateTimeOffset now, CancellationToken cancellationToken)
        {
            TaskCompletionSource<MatchedTask?> waiter;
            LinkedListNode<TaskCompletionSource<MatchedTask?>> node;
            lock (_lock)
            {
                _pollers[identity] = now;
                if (_pollers.Count > 100)
                {
                    _pollers.Remove(_pollers.MinBy(p => p.Value).Key);
                }
                if (_backlog.TryDequeue(out var ready))
                {
                    return ready;
                }
                waiter = new TaskCompletionSource<MatchedTask?>(TaskCreationOptions.RunContinuationsAsynchronously);
                node = _waiters.AddLast(waiter);
            }
            await using (cancellationToken.Register(() =>
            {
                if (waiter.TrySetResult(null))
                {
                    lock (_lock)
                    {
                        if (node.List is not null)
                        {
                            _waiters.Remove(node);
                        }
                    }
                }
            }))
            {
                return await waiter.Task;
            }
        }
    }
}

/// <summary>A query waiting for a worker to answer it through a legacy query task.</summary>
public sealed class PendingQuery(string id, RunKey run, TaskQueueKey normalQueue, Temporalio.Api.Query.V1.WorkflowQuery query)
{
    public string Id { get; } = id;
    public RunKey Run { get; } = run;

    /// <summary>The run's normal queue (where the query goes when its sticky worker is gone).</summary>
    public TaskQueueKey NormalQueue { get; } = normalQueue;
    public Temporalio.Api.Query.V1.WorkflowQuery Query { get; } = query;
    public TaskCompletionSource<Temporalio.Api.WorkflowService.V1.RespondQueryTaskCompletedRequest> Answer { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
}
