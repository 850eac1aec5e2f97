namespace EasyParkPlus.TemporalServer.Timers;

/// <summary>
/// The server's one clock: it stamps every event and fires every timer and timeout. On the dev server it is the wall
/// clock. On the time-skipping test server it is virtual, with the Java test server's semantics: while anything holds
/// a time-skipping lock (an outstanding workflow task or activity attempt, a pending cross-run effect, a firing timer,
/// or a client that called LockTimeSkipping) virtual time runs along with real time; when nothing does, it jumps to
/// the next due timer. With no timer scheduled at all it also runs with real time.
/// </summary>
public sealed class ServerClock : IDisposable
{
    private readonly TimeProvider _wall;
    private readonly Action<Exception> _onCallbackError;
    private readonly object _lock = new();
    private readonly PriorityQueue<ClockTimer, (DateTimeOffset, long)> _queue = new();
    private readonly Thread _pump;
    private readonly CancellationTokenSource _stop = new();
    private long _sequence;
    private DateTimeOffset _virtualNow;
    private long _lastWallTicks;
    private int _lockCount;
    private bool _emptyQueueLock;

    /// <param name="wall">Real time.</param>
    /// <param name="timeSkipping">Whether time is virtual and skips ahead when nothing holds a lock.</param>
    /// <param name="onCallbackError">Where a failing timer callback is reported (it never stops the clock).</param>
    public ServerClock(TimeProvider wall, bool timeSkipping, Action<Exception> onCallbackError)
    {
        _wall = wall;
        _onCallbackError = onCallbackError;
        TimeSkipping = timeSkipping;
        _virtualNow = wall.GetUtcNow();
        _lastWallTicks = wall.GetTimestamp();
        if (timeSkipping)
        {
            // An empty queue holds a lock, so an idle clock keeps pace with real time instead of standing still.
            _emptyQueueLock = true;
            _lockCount = 1;
        }
        _pump = new Thread(Pump) { IsBackground = true, Name = "server clock" };
        _pump.Start();
    }

    public bool TimeSkipping { get; }

    public DateTimeOffset UtcNow
    {
        get
        {
            if (!TimeSkipping)
            {
                return _wall.GetUtcNow();
            }
            lock (_lock)
            {
                AdvanceLocked();
                return _virtualNow;
            }
        }
    }

    /// <summary>How many locks hold time skipping (for diagnostics and tests).</summary>
    public int LockCount
    {
        get
        {
            lock (_lock)
            {
                return _lockCount - (_emptyQueueLock ? 1 : 0);
            }
        }
    }

    /// <summary>Runs <paramref name="callback"/> at <paramref name="dueTime"/>; a virtual clock is held until it completes.</summary>
    public ClockTimer Schedule(DateTimeOffset dueTime, Func<ValueTask> callback)
    {
        var timer = new ClockTimer(this, dueTime, callback);
        lock (_lock)
        {
            AdvanceLocked();
            _queue.Enqueue(timer, (dueTime, _sequence++));
            if (_emptyQueueLock)
            {
                _emptyQueueLock = false;
                ReleaseLocked();
            }
            Monitor.PulseAll(_lock);
        }
        return timer;
    }

    /// <summary>Holds time skipping (a no-op on the wall clock).</summary>
    public void Lock() => AdjustLocks(1);

    /// <summary>Releases one hold; false when none was held.</summary>
    public bool Unlock()
    {
        if (!TimeSkipping)
        {
            return true;
        }
        lock (_lock)
        {
            if (_lockCount - (_emptyQueueLock ? 1 : 0) <= 0)
            {
                return false;
            }
            ReleaseLocked();
            Monitor.PulseAll(_lock);
            return true;
        }
    }

    /// <summary>Adds (or with a negative delta releases) holds in one step.</summary>
    public void AdjustLocks(int delta)
    {
        if (!TimeSkipping || delta == 0)
        {
            return;
        }
        lock (_lock)
        {
            AdvanceLocked();
            if (delta > 0)
            {
                if (_lockCount == 0)
                {
                    _lastWallTicks = _wall.GetTimestamp();
                }
                _lockCount += delta;
            }
            else
            {
                for (var i = 0; i < -delta && _lockCount > 0; i++)
                {
                    ReleaseLocked();
                }
            }
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Moves virtual time forward by <paramref name="duration"/> at once (never backwards).</summary>
    public void Skip(TimeSpan duration)
    {
        if (!TimeSkipping || duration <= TimeSpan.Zero)
        {
            return;
        }
        lock (_lock)
        {
            AdvanceLocked();
            _virtualNow += duration;
            Monitor.PulseAll(_lock);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        lock (_lock)
        {
            Monitor.PulseAll(_lock);
        }
        _pump.Join(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }

    internal void Cancel(ClockTimer timer)
    {
        lock (_lock)
        {
            timer.Canceled = true;
            Monitor.PulseAll(_lock);
        }
    }

    private void ReleaseLocked()
    {
        _lockCount--;
        if (_lockCount == 0)
        {
            AdvanceLocked(ignoreLocks: true);
        }
    }

    // While locked, virtual time follows the wall clock; unlocked, it jumps to the next live timer.
    private void AdvanceLocked(bool ignoreLocks = false)
    {
        if (!TimeSkipping)
        {
            return;
        }
        var wallTicks = _wall.GetTimestamp();
        if (_lockCount > 0 || ignoreLocks)
        {
            _virtualNow += _wall.GetElapsedTime(_lastWallTicks, wallTicks);
            _lastWallTicks = wallTicks;
            return;
        }
        _lastWallTicks = wallTicks;
        DropCanceledLocked();
        if (_queue.TryPeek(out var next, out _) && next.DueTime > _virtualNow)
        {
            _virtualNow = next.DueTime;
        }
    }

    private void DropCanceledLocked()
    {
        while (_queue.TryPeek(out var head, out _) && head.Canceled)
        {
            _queue.Dequeue();
        }
    }

    private void Pump()
    {
        lock (_lock)
        {
            while (!_stop.IsCancellationRequested)
            {
                var now = TimeSkipping ? Advance() : _wall.GetUtcNow();
                DropCanceledLocked();
                if (TimeSkipping && _queue.Count == 0 && !_emptyQueueLock)
                {
                    _emptyQueueLock = true;
                    if (_lockCount++ == 0)
                    {
                        _lastWallTicks = _wall.GetTimestamp();
                    }
                }
                if (_queue.TryPeek(out var next, out _) && next.DueTime <= now)
                {
                    _queue.Dequeue();
                    Fire(next);
                    continue;
                }
                var wait = _queue.TryPeek(out next, out _) ? next.DueTime - now : Timeout.InfiniteTimeSpan;
                if (wait != Timeout.InfiniteTimeSpan)
                {
                    // Wake at least every second: the wall clock may jump, and a little slack costs nothing.
                    wait = TimeSpan.FromTicks(Math.Clamp(wait.Ticks, TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerSecond));
                }
                Monitor.Wait(_lock, wait);
            }
        }

        DateTimeOffset Advance()
        {
            AdvanceLocked();
            return _virtualNow;
        }
    }

    private void Fire(ClockTimer timer)
    {
        if (TimeSkipping)
        {
            if (_lockCount++ == 0)
            {
                _lastWallTicks = _wall.GetTimestamp();
            }
        }
        ThreadPool.UnsafeQueueUserWorkItem(static async state =>
        {
            var (clock, timer) = state;
            try
            {
                await timer.Callback();
            }
            catch (Exception e)
            {
                clock._onCallbackError(e);
            }
            finally
            {
                clock.AdjustLocks(-1);
            }
        }, (this, timer), preferLocal: false);
    }
}

/// <summary>A scheduled callback of the <see cref="ServerClock"/>.</summary>
public sealed class ClockTimer
{
    private readonly ServerClock _clock;

    internal ClockTimer(ServerClock clock, DateTimeOffset dueTime, Func<ValueTask> callback)
    {
        _clock = clock;
        DueTime = dueTime;
        Callback = callback;
    }

    public DateTimeOffset DueTime { get; }
    internal Func<ValueTask> Callback { get; }
    internal bool Canceled { get; set; }

    public void Cancel() => _clock.Cancel(this);
}
