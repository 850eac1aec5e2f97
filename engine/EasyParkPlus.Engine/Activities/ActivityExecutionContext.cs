using System.Text.Json;
using EasyParkPlus.Engine.Store;
using Microsoft.Extensions.Logging;

namespace EasyParkPlus.Engine;

/// <summary>Identity of one activity attempt.</summary>
public sealed record ActivityInfo(
    string ActivityType,
    string WorkflowId,
    string RunId,
    string WorkflowType,
    long ScheduledEventId,
    int Attempt,
    string TaskQueue,
    DateTimeOffset ScheduledTime,
    DateTimeOffset StartedTime,
    TimeSpan? HeartbeatTimeout)
{
    /// <summary>A key that is the same for every attempt of this activity: use it to make side effects idempotent.</summary>
    public string IdempotencyKey => $"{WorkflowId}/{RunId}/{ScheduledEventId}";
}

/// <summary>
/// What the running activity attempt can see and do: its identity and attempt number, heartbeats (whose latest
/// details survive into the next attempt) and a cancellation token that fires when the activity is cancelled,
/// times out or the worker shuts down.
/// </summary>
public sealed class ActivityExecutionContext
{
    private static readonly AsyncLocal<ActivityExecutionContext?> CurrentContext = new();

    private readonly Func<JsonElement?, Task<bool>> _recordHeartbeat;
    private readonly TimeSpan _heartbeatThrottle;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _cancellation;
    private readonly Lock _gate = new();
    private JsonElement? _pendingDetails;
    private bool _hasPendingDetails;
    private DateTimeOffset _lastSent = DateTimeOffset.MinValue;
    private Task _flushing = Task.CompletedTask;
    private ITimer? _flushTimer;
    private bool _stopped;

    internal ActivityExecutionContext(ActivityInfo info, JsonElement? heartbeatDetails, ILogger logger, TimeProvider time,
        CancellationTokenSource cancellation, Func<JsonElement?, Task<bool>> recordHeartbeat)
    {
        Info = info;
        LastHeartbeatDetails = heartbeatDetails;
        Logger = logger;
        _time = time;
        _cancellation = cancellation;
        _recordHeartbeat = recordHeartbeat;
        _heartbeatThrottle = info.HeartbeatTimeout is { } timeout ? timeout * 0.8 : TimeSpan.FromSeconds(30);
    }

    /// <summary>The context of the activity running on this async flow.</summary>
    public static ActivityExecutionContext Current =>
        CurrentContext.Value ?? throw new InvalidOperationException("No activity is running on this async flow.");

    /// <summary>Whether an activity is running on this async flow.</summary>
    public static bool HasCurrent => CurrentContext.Value is not null;

    /// <summary>Identity of this attempt.</summary>
    public ActivityInfo Info { get; }

    /// <summary>The details of the last heartbeat recorded by an earlier attempt, if any.</summary>
    public JsonElement? LastHeartbeatDetails { get; }

    /// <summary>Fires when the activity is cancelled, times out, or the worker stops.</summary>
    public CancellationToken CancellationToken => _cancellation.Token;

    /// <summary>A logger scoped to this attempt.</summary>
    public ILogger Logger { get; }

    /// <summary>The clock activities should use (virtual in the test environment).</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>The last heartbeat details of an earlier attempt as <typeparamref name="T"/>.</summary>
    public T? GetLastHeartbeatDetails<T>() => LastHeartbeatDetails is { } d ? d.Deserialize<T>(PayloadConverter.Options) : default;

    /// <summary>
    /// Records progress. The first heartbeat is sent at once, later ones at most every 80% of the heartbeat timeout
    /// (the latest details win and are sent when the interval ends). When the store says the activity was
    /// cancelled or its claim was lost, <see cref="CancellationToken"/> fires.
    /// </summary>
    public void Heartbeat(object? details = null)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }
            _pendingDetails = details is null ? null : JsonSerializer.SerializeToElement(details, details.GetType(), PayloadConverter.Options);
            _hasPendingDetails = true;
            var wait = _lastSent == DateTimeOffset.MinValue ? TimeSpan.Zero : _lastSent + _heartbeatThrottle - _time.GetUtcNow();
            if (wait <= TimeSpan.Zero && _flushing.IsCompleted)
            {
                _flushing = FlushAsync();
            }
            else
            {
                _flushTimer ??= _time.CreateTimer(static state => ((ActivityExecutionContext)state!).FlushFromTimer(), this,
                    wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(100), Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void FlushFromTimer()
    {
        lock (_gate)
        {
            _flushTimer?.Dispose();
            _flushTimer = null;
            if (!_stopped && _flushing.IsCompleted)
            {
                _flushing = FlushAsync();
            }
        }
    }

    /// <summary>Stops scheduled heartbeats once the attempt has ended.</summary>
    internal void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            _flushTimer?.Dispose();
            _flushTimer = null;
        }
    }

    internal async Task FlushAsync()
    {
        JsonElement? details;
        lock (_gate)
        {
            if (!_hasPendingDetails)
            {
                return;
            }
            details = _pendingDetails;
            _hasPendingDetails = false;
            _lastSent = _time.GetUtcNow();
        }
        if (!await _recordHeartbeat(details).ConfigureAwait(false))
        {
            await _cancellation.CancelAsync().ConfigureAwait(false);
        }
    }

    internal Task PendingFlush
    {
        get
        {
            lock (_gate)
            {
                return _flushing;
            }
        }
    }

    internal static IDisposable Enter(ActivityExecutionContext context)
    {
        var previous = CurrentContext.Value;
        CurrentContext.Value = context;
        return new Restore(previous);
    }

    private sealed class Restore(ActivityExecutionContext? previous) : IDisposable
    {
        public void Dispose() => CurrentContext.Value = previous;
    }
}

/// <summary>Builds the fencing reference of a claim (kept out of the public context on purpose).</summary>
internal static class ActivityClaims
{
    public static ActivityInfo ToInfo(this ActivityTaskClaim claim) => new(claim.ActivityType, claim.Key.WorkflowId, claim.Key.RunId,
        claim.WorkflowType, claim.ScheduledEventId, claim.Attempt, claim.TaskQueue, claim.ScheduledTime, claim.StartedTime, claim.HeartbeatTimeout);
}
