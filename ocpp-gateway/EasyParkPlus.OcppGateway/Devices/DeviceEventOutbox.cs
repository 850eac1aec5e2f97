using System.Collections.Concurrent;
using EasyParkPlus.OcppGateway.Gates;
using EasyParkPlus.OcppGateway.Ocpp;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.OcppGateway.Devices;

/// <summary>
/// The gateway's one outbox: hands stored gate events and charger transaction events to <see cref="IDeviceEventSink"/>
/// and marks them delivered. Keys go in parallel (up to Outbox:Concurrency): a vehicle at a facility for gate events (its
/// exit never overtakes its entry), a station's transaction for charger events. Within a key events go one after another
/// in arrival order, and a failed delivery waits for its retry holding back only its own key. Undelivered events survive
/// restarts in their tables; delivery is at least once, so the sink de-duplicates (gate event id, transaction seqNo).
/// </summary>
public sealed partial class DeviceEventOutbox(GateStore gates, OcppStore chargers, IServiceScopeFactory scopes, TimeProvider time,
    IOptions<OutboxOptions> options, ILogger<DeviceEventOutbox> logger) : BackgroundService
{
    private const int BatchSize = 200;

    private readonly OutboxTable[] _tables = [gates.Outbox, chargers.Outbox];
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Called after an event is stored, so it goes out without waiting for the poll.</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: one pass delivers everything that is due.
        }
    }

    public static TimeSpan Backoff(int attempt, OutboxOptions options)
    {
        var factor = Math.Pow(2, Math.Min(attempt - 1, 20));
        return TimeSpan.FromTicks((long)Math.Min(options.RetryInitialDelay.Ticks * factor, options.RetryMaxDelay.Ticks));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DeliverDueAsync(stoppingToken);
                await WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database may be briefly unreachable: pause, then go on delivering.
                LoopFailed(logger, ex);
                await Task.Delay(options.Value.RetryInitialDelay, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    // Rounds until nothing is due: each claims the due head of every key, delivers them in parallel, marks them.
    private async Task DeliverDueAsync(CancellationToken ct)
    {
        while (true)
        {
            var now = time.GetUtcNow();
            var claimed = new List<OutboxEntry>();
            foreach (var table in _tables)
            {
                claimed.AddRange(await table.ClaimAsync(now, now + options.Value.ClaimLease, BatchSize, ct));
            }
            if (claimed.Count == 0)
            {
                return;
            }
            var delivered = new ConcurrentQueue<OutboxEntry>();
            await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = options.Value.Concurrency, CancellationToken = ct },
                async (entry, token) =>
                {
                    if (await DeliverAsync(entry, token))
                    {
                        delivered.Enqueue(entry);
                    }
                });
            // A crash before this commit only redelivers events the sink has taken, which it accepts again.
            foreach (var table in delivered.GroupBy(entry => entry.Table))
            {
                await table.Key.MarkDeliveredAsync([.. table.Select(entry => entry.Seq)], time.GetUtcNow(), ct);
            }
        }
    }

    private async Task<bool> DeliverAsync(OutboxEntry entry, CancellationToken ct)
    {
        try
        {
            // The sink may be scoped (the workflow adapter holds a DbContext).
            await using var scope = scopes.CreateAsyncScope();
            var sink = scope.ServiceProvider.GetRequiredService<IDeviceEventSink>();
            await (entry.Event switch
            {
                GateVehicleDetected gate => sink.GateVehicleDetectedAsync(gate, ct),
                ChargerTransactionEvent transaction => sink.ChargerTransactionEventAsync(transaction, ct),
                _ => throw new InvalidOperationException($"No delivery for {entry.Event.GetType().Name}."),
            });
            return true;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            var attempt = entry.Attempts + 1;
            var retryAt = time.GetUtcNow() + Backoff(attempt, options.Value);
            await entry.Table.MarkFailedAsync(entry.Seq, retryAt, ex.GetType().Name + ": " + ex.Message, ct);
            DeliveryFailed(logger, ex, entry.Table.Name, entry.EventId, attempt, retryAt);
            return false;
        }
    }

    // Sleeps until the next head is due, an event is stored here, or the poll interval passes.
    private async Task WaitAsync(CancellationToken stoppingToken)
    {
        var wait = options.Value.PollInterval;
        foreach (var table in _tables)
        {
            if (await table.NextDueAsync(stoppingToken) is { } due)
            {
                // The clock is read after the query, so time spent in it is not slept again.
                var untilDue = due - time.GetUtcNow();
                if (untilDue <= TimeSpan.Zero)
                {
                    return;
                }
                wait = untilDue < wait ? untilDue : wait;
            }
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var delay = Task.Delay(wait, time, timeout.Token);
        var woken = _wake.WaitAsync(timeout.Token);
        await Task.WhenAny(delay, woken);
        await timeout.CancelAsync();
        await Task.WhenAll(delay, woken).ContinueWith(_ => { }, TaskScheduler.Default);
        stoppingToken.ThrowIfCancellationRequested();
    }

    [LoggerMessage(6100, LogLevel.Warning, "Delivering {Table} event {EventId} failed (attempt {Attempt}); its key waits until {RetryAt}")]
    private static partial void DeliveryFailed(ILogger logger, Exception exception, string table, string eventId, int attempt, DateTimeOffset retryAt);

    [LoggerMessage(6101, LogLevel.Error, "The device event outbox failed; trying again shortly")]
    private static partial void LoopFailed(ILogger logger, Exception exception);
}
