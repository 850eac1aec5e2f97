using System.Collections.Concurrent;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>
/// Wakes long polls that wait for a run to change (history with waitNewEvent, results, updates, queries): every
/// commit of a run completes the task waiters took before they looked at its state.
/// </summary>
public sealed class RunWatchers : ICommitObserver
{
    private readonly ConcurrentDictionary<RunKey, TaskCompletionSource> _changes = new();

    /// <summary>With a store other processes write, how often a waiter looks again (their commits do not reach this feed).</summary>
    public TimeSpan? Recheck { get; set; }

    /// <summary>A task that completes at the run's next commit. Take it before reading the state, then wait on it.</summary>
    public Task NextChange(RunKey key) =>
        _changes.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void OnCommitted(CommittedRun run)
    {
        if (_changes.TryRemove(run.Commit.Key, out var change))
        {
            change.TrySetResult();
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for the run's committed state, or <paramref name="timeout"/>
    /// passes (then returns the last state seen). Null when the run does not exist.
    /// </summary>
    public async Task<RunState?> WaitUntilAsync(HistoryEngine engine, RunKey key, Func<RunState, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var woken = false;
        while (true)
        {
            var change = NextChange(key);
            // Woken by a commit here, the cached state is that commit's (or newer): no need to read the run back.
            var state = woken ? await engine.GetLatestAsync(key, cancellationToken) : await engine.GetAsync(key, cancellationToken);
            if (state is null || condition(state))
            {
                return state;
            }
            var remaining = deadline - DateTimeOffset.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                return state;
            }
            try
            {
                await change.WaitAsync(Recheck is { } recheck && recheck < remaining ? recheck : remaining, cancellationToken);
                woken = true;
            }
            catch (TimeoutException) when (Recheck is not null && deadline > DateTimeOffset.UtcNow)
            {
                woken = false;
                // Another process may have committed the change: look again.
            }
            catch (TimeoutException)
            {
                return state;
            }
        }
    }
}
