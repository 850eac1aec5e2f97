namespace EasyParkPlus.TestSupport;

/// <summary>
/// A clock that only moves when told to. Timers created on it (by <c>Task.Delay(…, timeProvider)</c>, timeouts,
/// heartbeats) fire in due order as the clock passes them.
/// </summary>
public sealed class VirtualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<VirtualTimer> _timers = [];
    private DateTimeOffset _now = start;
    private TaskCompletionSource _timerCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Timers waiting to fire.</summary>
    public int ActiveTimerCount
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count;
            }
        }
    }

    /// <summary>When the next timer fires, if any.</summary>
    public DateTimeOffset? NextTimerDue
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count == 0 ? null : _timers.Min(t => t.Due);
            }
        }
    }

    /// <summary>Completes when the next timer is created (lets a driver notice that code started waiting on the clock).</summary>
    public Task TimerCreated
    {
        get
        {
            lock (_gate)
            {
                return _timerCreated.Task;
            }
        }
    }

    /// <summary>Moves the clock forward by <paramref name="delta"/>, firing timers on the way in due order.</summary>
    public void Advance(TimeSpan delta) => SetTo(GetUtcNow() + delta);

    /// <summary>Moves the clock to <paramref name="target"/> (never backwards), firing timers on the way in due order.</summary>
    public void SetTo(DateTimeOffset target)
    {
        while (true)
        {
            VirtualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.Due <= target).MinBy(t => t.Due);
                if (next is null)
                {
                    if (target > _now)
                    {
                        _now = target;
                    }
                    return;
                }
                if (next.Due > _now)
                {
                    _now = next.Due;
                }
                next.Reschedule();
            }
            next.Fire();
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Register(VirtualTimer timer)
    {
        TaskCompletionSource created;
        lock (_gate)
        {
            if (!_timers.Contains(timer))
            {
                _timers.Add(timer);
            }
            created = _timerCreated;
            _timerCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        created.TrySetResult();
    }

    private void Unregister(VirtualTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class VirtualTimer(VirtualTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public DateTimeOffset Due { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                clock.Unregister(this);
                return true;
            }
            Due = clock.GetUtcNow() + dueTime;
            clock.Register(this);
            return true;
        }

        /// <summary>Called under the clock's lock before firing: repeat or retire the timer.</summary>
        public void Reschedule()
        {
            if (_period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan)
            {
                Due += _period;
            }
            else
            {
                clock._timers.Remove(this);
            }
        }

        public void Fire() => callback(state);

        public void Dispose() => clock.Unregister(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
