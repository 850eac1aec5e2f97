using EasyParkPlus.Engine.Store;

namespace EasyParkPlus.Engine.Runtime;

/// <summary>
/// Live workflow instances by run, so a busy workflow applies only its new events instead of replaying from event
/// 1. At most <c>capacity</c> instances stay; the least recently used idle ones go first, and half go under memory
/// pressure. A lease gives exclusive use of one run's instance.
/// </summary>
internal sealed class WorkflowCache(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ExecutionKey, Entry> _entries = [];
    private readonly LinkedList<ExecutionKey> _recency = new();
    private readonly Dictionary<string, ExecutionKey> _latestRuns = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Waits for exclusive use of the run's entry (which may hold no instance yet).</summary>
    public async Task<Lease> AcquireAsync(ExecutionKey key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry(key, _recency.AddFirst(key));
                _entries[key] = entry;
                _latestRuns[key.WorkflowId] = key;
            }
            else
            {
                _recency.Remove(entry.Node);
                _recency.AddFirst(entry.Node);
            }
            entry.Users++;
        }
        try
        {
            await entry.Gate.WaitAsync(cancellationToken);
        }
        catch
        {
            Release(entry, evict: entry.Instance is null, held: false);
            throw;
        }
        return new Lease(this, entry);
    }

    /// <summary>Exclusive use of the run's instance if one is cached (waiting while it is in use), otherwise null.</summary>
    public async Task<Lease?> AcquireCachedAsync(ExecutionKey key, CancellationToken cancellationToken)
    {
        Entry? entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out entry) || entry.Instance is null)
            {
                return null;
            }
            entry.Users++;
            _recency.Remove(entry.Node);
            _recency.AddFirst(entry.Node);
        }
        try
        {
            await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Release(entry, evict: false, held: false);
            throw;
        }
        var lease = new Lease(this, entry);
        if (entry.Instance is null)
        {
            lease.Dispose();
            return null;
        }
        return lease;
    }

    /// <summary>The run of <paramref name="workflowId"/> whose entry was created last (a hint: the store decides which run is running).</summary>
    public ExecutionKey? LatestRun(string workflowId)
    {
        lock (_gate)
        {
            return _latestRuns.TryGetValue(workflowId, out var key) ? key : null;
        }
    }

    /// <summary>Drops up to half the idle instances (called when the process runs short of memory).</summary>
    public int Trim(double fraction)
    {
        var drop = new List<WorkflowInstance>();
        lock (_gate)
        {
            var target = (int)(_entries.Count * fraction);
            for (var node = _recency.Last; node is not null && drop.Count < target;)
            {
                var previous = node.Previous;
                if (_entries[node.Value] is { Users: 0 } idle)
                {
                    if (idle.Instance is not null)
                    {
                        drop.Add(idle.Instance);
                    }
                    Remove(node.Value);
                    _recency.Remove(node);
                }
                node = previous;
            }
        }
        foreach (var instance in drop)
        {
            instance.Dispose();
        }
        return drop.Count;
    }

    private void Release(Entry entry, bool evict, bool held = true)
    {
        WorkflowInstance? disposed = null;
        lock (_gate)
        {
            entry.Users--;
            if (evict || entry.Instance is null || entry.Instance.IsClosed)
            {
                disposed = entry.Instance;
                entry.Instance = null;
                if (entry.Users == 0 && Remove(entry.Key))
                {
                    _recency.Remove(entry.Node);
                }
            }
            while (_entries.Count > capacity && _recency.Last is { } oldest && _entries[oldest.Value] is { Users: 0 } idle)
            {
                if (idle.Instance is { } evicted)
                {
                    evicted.Dispose();
                }
                Remove(oldest.Value);
                _recency.RemoveLast();
            }
        }
        if (held)
        {
            entry.Gate.Release();
        }
        disposed?.Dispose();
    }

    /// <summary>Removes an entry and its run-by-id hint (called under the gate).</summary>
    private bool Remove(ExecutionKey key)
    {
        if (!_entries.Remove(key))
        {
            return false;
        }
        if (_latestRuns.TryGetValue(key.WorkflowId, out var latest) && latest == key)
        {
            _latestRuns.Remove(key.WorkflowId);
        }
        return true;
    }

    internal sealed class Entry(ExecutionKey key, LinkedListNode<ExecutionKey> node)
    {
        public ExecutionKey Key { get; } = key;

        public LinkedListNode<ExecutionKey> Node { get; } = node;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public WorkflowInstance? Instance { get; set; }

        public int Users { get; set; }
    }

    /// <summary>Exclusive use of one run's entry; dispose to give it back (evicting it if asked).</summary>
    internal sealed class Lease(WorkflowCache cache, Entry entry) : IDisposable
    {
        private bool _evict;
        private bool _disposed;

        public WorkflowInstance? Instance
        {
            get => entry.Instance;
            set => entry.Instance = value;
        }

        /// <summary>Forget the instance when the lease ends (its state may be ahead of or behind the store).</summary>
        public void Evict() => _evict = true;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                cache.Release(entry, _evict);
            }
        }
    }
}
