using System.Collections.Concurrent;
using EasyParkPlus.TemporalServer.Frontend;
using EasyParkPlus.TemporalServer.Persistence;
using EasyParkPlus.TemporalServer.Timers;
using Temporalio.Api.History.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>
/// Applies transitions to runs, one at a time per run (a per-run gate, never a global lock across I/O): load the
/// state (cached), run the transition on a copy, derive the rows (<see cref="RunEffects"/>), commit guarded by the
/// run's version, and on success publish the commit to the in-process parts. A lost race (another process or an
/// evicted cache) reloads and retries the transition.
/// </summary>
public sealed class HistoryEngine(IServerStore store, ServerClock clock, CommitFeed feed)
{
    private const int MaxAttempts = 5;
    private const int CacheCapacity = 10_000;
    private const int TailCapacity = 64;
    private readonly ConcurrentDictionary<RunKey, RunEntry> _runs = new();

    private sealed class RunEntry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public RunState? State { get; set; }

        /// <summary>The last events this process committed for the run, dense ids (replaced whole, never changed).</summary>
        public volatile HistoryEvent[]? Tail;
        public int Users;
    }

    public IServerStore Store => store;

    /// <summary>
    /// Set when other processes write the same store (PostgreSQL): reads go to the store, and a transition that
    /// changed nothing or refused on a cached state runs once more on a fresh one, since another process may have
    /// moved the run since it was cached. Commits stay guarded by version either way.
    /// </summary>
    public bool SharedStore { get; set; }

    /// <summary>Drops a run's cached state (another process may have changed it); the next transition reloads it.</summary>
    public void Forget(RunKey key)
    {
        if (_runs.TryGetValue(key, out var entry))
        {
            entry.State = null;
        }
    }
    public ServerClock Clock => clock;

    /// <summary>The run's committed state (a snapshot never changed afterwards), or null.</summary>
    public async ValueTask<RunState?> GetAsync(RunKey key, CancellationToken cancellationToken)
    {
        if (!SharedStore && _runs.TryGetValue(key, out var entry) && entry.State is { } cached)
        {
            return cached;
        }
        return await store.LoadRunAsync(key, cancellationToken);
    }

    /// <summary>
    /// The newest state of the run this process knows: its cached state (set by this process's last commit or load of
    /// the run), else the store's. With a shared store it may lag another process's commits, so only long polls that
    /// were just woken by a commit here use it (they read the store when their recheck interval passes).
    /// </summary>
    public async ValueTask<RunState?> GetLatestAsync(RunKey key, CancellationToken cancellationToken) =>
        _runs.TryGetValue(key, out var entry) && entry.State is { } cached ? cached : await store.LoadRunAsync(key, cancellationToken);

    /// <summary>
    /// Committed events [<paramref name="from"/>, <paramref name="to"/>) of the run when this process committed all of
    /// them lately (what a workflow task hands out after the worker's last one), else null: read the store. Committed
    /// events never change, so these are right whatever other processes did since.
    /// </summary>
    public IReadOnlyList<HistoryEvent>? RecentEvents(RunKey key, long from, long to)
    {
        if (!_runs.TryGetValue(key, out var entry) || entry.Tail is not { Length: > 0 } tail || from < tail[0].EventId || to - 1 > tail[^1].EventId)
        {
            return null;
        }
        return from >= to ? [] : new ArraySegment<HistoryEvent>(tail, (int)(from - tail[0].EventId), (int)(to - from));
    }

    /// <summary>Applies <paramref name="transition"/> to an existing run and commits what it changed.</summary>
    /// <exception cref="RpcError">NotFound when the run does not exist; whatever the transition throws.</exception>
    public async Task<T> UpdateAsync<T>(RunKey key, Func<RunTransaction, T> transition, CancellationToken cancellationToken)
    {
        var entry = Enter(key);
        try
        {
            await entry.Gate.WaitAsync(cancellationToken);
            try
            {
                for (var attempt = 1; ; attempt++)
                {
                    var cached = SharedStore && entry.State is not null;
                    var state = entry.State ??= await store.LoadRunAsync(key, cancellationToken) ?? throw RpcError.WorkflowNotFound(key.WorkflowId, key.RunId);
                    var tx = new RunTransaction(state, state.Clone(), clock.UtcNow);
                    T result;
                    try
                    {
                        result = transition(tx);
                    }
                    catch (RpcError) when (cached)
                    {
                        entry.State = null;
                        continue;
                    }
                    tx.Finish();
                    if (!tx.HasChanges)
                    {
                        if (cached)
                        {
                            entry.State = null;
                            continue;
                        }
                        return result;
                    }
                    try
                    {
                        await CommitAsync(tx, null, cancellationToken);
                        entry.State = tx.State;
                        return result;
                    }
                    catch (CommitConflictException) when (attempt < MaxAttempts)
                    {
                        entry.State = null;
                    }
                    catch
                    {
                        entry.State = null;
                        throw;
                    }
                }
            }
            finally
            {
                entry.Gate.Release();
            }
        }
        finally
        {
            Leave(key, entry);
        }
    }

    /// <summary>Commits a transition that creates its run, if the workflow id's current run is still as <paramref name="guard"/> expects.</summary>
    /// <exception cref="CommitConflictException">The current run moved; decide again.</exception>
    public async Task CreateAsync(RunTransaction tx, CurrentRunGuard guard, CancellationToken cancellationToken)
    {
        tx.Finish();
        await CommitAsync(tx, guard, cancellationToken);
    }

    private async Task CommitAsync(RunTransaction tx, CurrentRunGuard? guard, CancellationToken cancellationToken)
    {
        var commits = new List<(RunTransaction Tx, RunCommit Commit)> { (tx, Seal(tx, guard)) };
        if (tx.NewRun is { } next)
        {
            next.Finish();
            commits.Add((next, Seal(next, new CurrentRunGuard(tx.Key.RunId))));
        }
        await store.CommitAsync(new CommitBatch([.. commits.Select(c => c.Commit)]) { CompletedTransfers = tx.CompletedTransfers }, cancellationToken);

        // Readers of the cache (transfers, long polls) must see a commit before anything in process hears of it: a
        // transfer that read the state from before its own commit would find nothing to do and be dropped.
        foreach (var (committed, commit) in commits)
        {
            if (_runs.TryGetValue(committed.Key, out var entry))
            {
                entry.State = committed.State;
                entry.Tail = Extend(entry.Tail, commit.Events);
            }
            else if (committed.Before is null)
            {
                // A run this commit creates is cached too: its first workflow task starts from it without a load.
                _runs.TryAdd(committed.Key, new RunEntry { State = committed.State, Tail = Extend(null, commit.Events) });
            }
        }
        // Time-skipping holds a commit adds are taken before its timers and tasks are handed out, and the ones it
        // releases only after: a virtual clock released in between would jump past the timers this commit creates.
        var holds = commits.Select(c => RunEffects.TimeSkippingHolds(c.Tx.State) - RunEffects.TimeSkippingHolds(c.Tx.Before)).ToArray();
        clock.AdjustLocks(holds.Where(h => h > 0).Sum());
        foreach (var (committed, commit) in commits)
        {
            feed.Publish(new CommittedRun(commit, ReferenceEquals(committed, tx) ? tx.CompletedTransfers : []));
            foreach (var action in committed.AfterCommit)
            {
                action();
            }
        }
        clock.AdjustLocks(holds.Where(h => h < 0).Sum());
    }

    // The tail stays dense: events that do not follow it (another process committed in between) start a new one.
    private static HistoryEvent[]? Extend(HistoryEvent[]? tail, IReadOnlyList<HistoryEvent> events)
    {
        if (events.Count == 0)
        {
            return tail;
        }
        var keep = tail is { Length: > 0 } && tail[^1].EventId + 1 == events[0].EventId ? tail : [];
        var skip = Math.Max(0, keep.Length + events.Count - TailCapacity);
        return [.. keep.Skip(skip), .. events.Skip(Math.Max(0, skip - keep.Length))];
    }

    private static RunCommit Seal(RunTransaction tx, CurrentRunGuard? guard)
    {
        tx.State.Version = (tx.Before?.Version ?? 0) + 1;
        tx.State.StateTransitionCount++;
        return RunEffects.Derive(tx.Before, tx.State, tx.Events, guard);
    }

    private RunEntry Enter(RunKey key)
    {
        while (true)
        {
            var entry = _runs.GetOrAdd(key, static _ => new RunEntry());
            lock (entry)
            {
                if (entry.Users >= 0)
                {
                    entry.Users++;
                    return entry;
                }
            }
            // Evicted between the lookup and the lock: take a fresh entry.
        }
    }

    private void Leave(RunKey key, RunEntry entry)
    {
        lock (entry)
        {
            entry.Users--;
        }
        if (_runs.Count <= CacheCapacity)
        {
            return;
        }
        // Evict idle runs; a negative user count marks an entry as gone for good.
        foreach (var (candidate, candidateEntry) in _runs)
        {
            if (_runs.Count <= CacheCapacity * 9 / 10)
            {
                break;
            }
            lock (candidateEntry)
            {
                if (candidateEntry.Users == 0 && !candidate.Equals(key))
                {
                    candidateEntry.Users = -1;
                    _runs.TryRemove(candidate, out _);
                }
            }
        }
    }
}
