using EasyParkPlus.OcppGateway.Devices;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.OcppGateway.Gates;

// The outbox worker: hands persisted gate events to the device event sink in the order they were
// received, one transaction per event (claimed FOR UPDATE SKIP LOCKED, marked delivered on
// success). A failing sink leaves the event pending with a growing back-off; pending events from a
// previous run are delivered when the process starts. Delivery is at least once: a crash between
// the sink call and the commit repeats that one event, which the sink de-duplicates by event id.
public sealed class GateEventDelivery(
    GateStore store,
    IServiceScopeFactory scopes,
    TimeProvider time,
    IOptions<GateOptions> options,
    ILogger<GateEventDelivery> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    // Raised after each attempt is committed (event id, attempts so far, delivered?): lets
    // tests and diagnostics follow the outbox without polling the table.
    public event Action<string, int, bool>? AttemptCommitted;

    // Called after an event is persisted, so it reaches the sink without waiting for the poll.
    public void Notify()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up drains everything that is due.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DrainAsync(stoppingToken);
                await WaitForWorkAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database may be briefly unreachable: pause and try again rather than stop delivering.
                GatesLog.DeliveryLoopFailed(logger, ex);
                await Task.Delay(options.Value.RetryInitialDelay, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    // Delivers every due event; stops at the first failure so later events (an exit after its
    // entry) do not overtake an earlier one that is waiting for a retry.
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await using var claim = await store.ClaimNextPendingAsync(time.GetUtcNow(), cancellationToken);
            if (claim is null)
            {
                return;
            }
            var stored = claim.Event;
            try
            {
                await using (var scope = scopes.CreateAsyncScope())
                {
                    var sink = scope.ServiceProvider.GetRequiredService<IDeviceEventSink>();
                    await sink.GateVehicleDetectedAsync(ToSinkEvent(stored), cancellationToken);
                }
                await claim.MarkDeliveredAsync(time.GetUtcNow(), cancellationToken);
                GatesLog.Delivered(logger, stored.EventId, stored.GateId);
                AttemptCommitted?.Invoke(stored.EventId, stored.Attempts + 1, true);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                var next = time.GetUtcNow() + Backoff(stored.Attempts + 1, options.Value);
                await claim.MarkFailedAsync(next, ex.GetType().Name + ": " + ex.Message, cancellationToken);
                GatesLog.DeliveryFailed(logger, ex, stored.EventId, stored.GateId, stored.Attempts + 1, next);
                AttemptCommitted?.Invoke(stored.EventId, stored.Attempts + 1, false);
                return;
            }
        }
    }

    public static TimeSpan Backoff(int attempt, GateOptions options)
    {
        var factor = Math.Pow(2, Math.Min(attempt - 1, 20));
        var delay = TimeSpan.FromTicks((long)Math.Min(options.RetryInitialDelay.Ticks * factor, options.RetryMaxDelay.Ticks));
        return delay;
    }

    public static GateVehicleDetected ToSinkEvent(StoredGateEvent stored) => new(
        stored.EventId,
        stored.GateId,
        stored.FacilityId,
        stored.Direction == GateDirection.Entry ? GateEventDirection.Entry : GateEventDirection.Exit,
        stored.Plate,
        stored.DeviceTime,
        stored.PhotoRef)
    {
        ReceivedAt = stored.ReceivedAt,
        ClockFlag = stored.ClockFlag,
    };

    // Sleeps until the next pending event is due, a new event arrives, or the poll interval passes
    // (the safety net for events another instance persisted and could not deliver).
    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        var wait = options.Value.DeliveryPollInterval;
        if (await store.NextPendingDueAsync(stoppingToken) is { } due)
        {
            // The clock is read after the query, so time that passed during it is not slept again.
            var untilDue = due - time.GetUtcNow();
            if (untilDue <= TimeSpan.Zero)
            {
                return;
            }
            wait = untilDue < wait ? untilDue : wait;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var delay = Task.Delay(wait, time, timeout.Token);
        var woken = _wake.WaitAsync(timeout.Token);
        await Task.WhenAny(delay, woken);
        await timeout.CancelAsync();
        await Task.WhenAll(delay, woken).ContinueWith(_ => { }, TaskScheduler.Default);
        if (woken.IsCompletedSuccessfully)
        {
            return;
        }
        stoppingToken.ThrowIfCancellationRequested();
    }
}
