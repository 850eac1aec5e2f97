using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using EasyParkPlus.TemporalServer.Frontend;
using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Persistence;

namespace EasyParkPlus.TemporalServer.Timers;

/// <summary>
/// Arms the durable timers that commits add (user timers, activity and workflow-task timeouts, retry backoffs,
/// workflow timeouts, start delays) on the <see cref="ServerClock"/>, disarms the ones they remove, and applies each
/// to its run when it fires. The run's state decides whether a fired timer still counts, so a timer fires at most
/// once in effect however often it is delivered.
/// </summary>
public sealed class TimerProcessor(HistoryEngine engine, ILogger<TimerProcessor> logger) : ICommitObserver
{
    private readonly ConcurrentDictionary<TimerTaskKey, ClockTimer> _armed = new();

    public int ArmedCount => _armed.Count;

    public void OnCommitted(CommittedRun run)
    {
        foreach (var key in run.Commit.RemovedTimers)
        {
            if (_armed.TryRemove(key, out var timer))
            {
                timer.Cancel();
            }
        }
        foreach (var task in run.Commit.AddedTimers)
        {
            Arm(task);
        }
    }

    /// <summary>Arms timers loaded from the store (after a restart).</summary>
    public void Arm(TimerTask task)
    {
        var key = task.Key;
        var holder = new StrongBox<ClockTimer?>();
        var timer = holder.Value = engine.Clock.Schedule(task.FireTime, () => FireAsync(key, holder));
        if (_armed.TryGetValue(key, out var previous) && !ReferenceEquals(previous, timer))
        {
            previous.Cancel();
        }
        _armed[key] = timer;
    }

    private async ValueTask FireAsync(TimerTaskKey key, StrongBox<ClockTimer?> holder)
    {
        if (holder.Value is { } fired)
        {
            _armed.TryRemove(new KeyValuePair<TimerTaskKey, ClockTimer>(key, fired));
        }
        try
        {
            await engine.UpdateAsync(key.Run, tx =>
            {
                TimerFires.Apply(tx, key);
                return 0;
            }, CancellationToken.None);
        }
        catch (RpcError e) when (e.Code == Grpc.Core.StatusCode.NotFound)
        {
            // The run is gone; so is the timer's reason.
        }
        catch (Exception e)
        {
            Log.TimerFailed(logger, key.Kind.ToString(), key.Run.ToString(), e);
        }
    }
}
