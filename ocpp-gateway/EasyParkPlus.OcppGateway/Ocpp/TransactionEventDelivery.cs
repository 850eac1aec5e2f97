using System.Collections.Concurrent;
using EasyParkPlus.OcppGateway.Devices;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.OcppGateway.Ocpp;

// The outbox loop: hands stored transaction events to IDeviceEventSink, each transaction's in arrival order, marks
// them delivered, and retries failures after DeliveryRetryDelay. Undelivered events survive restarts in the table.
public sealed class TransactionEventDelivery(OcppStore store, IServiceProvider services, IOptions<OcppOptions> options,
    TimeProvider time, ILogger<TransactionEventDelivery> logger) : BackgroundService
{
    private const int BatchSize = 200;

    private readonly SemaphoreSlim _wake = new(0, 1);

    // Raised after each delivery attempt is committed (dedupeId, delivered), for tests and diagnostics.
    public event Action<string, bool>? AttemptCommitted;

    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
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
                // The database may be briefly unavailable; try again after the retry delay.
                OcppLog.DeliveryFailed(logger, ex, "(outbox)", 0);
                await Task.Delay(options.Value.DeliveryRetryDelay, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    // Events of one transaction go one after another in arrival order; different transactions go in parallel
    // (up to DeliveryConcurrency), so one slow signal does not hold up every station behind it.
    public async Task DeliverDueAsync(CancellationToken ct)
    {
        while (true)
        {
            var due = await store.DuePendingEventsAsync(time.GetUtcNow(), BatchSize, ct);
            if (due.Count == 0)
            {
                return;
            }
            var lanes = due.GroupBy(stored => (stored.Event.StationId, stored.Event.TransactionId));
            var delivered = new ConcurrentQueue<StoredTransactionEvent>();
            await Parallel.ForEachAsync(lanes, new ParallelOptions { MaxDegreeOfParallelism = options.Value.DeliveryConcurrency, CancellationToken = ct },
                async (lane, token) =>
                {
                    // The sink may be scoped (the workflow adapter holds a DbContext), so each lane gets a scope of its own.
                    await using var scope = services.CreateAsyncScope();
                    var sink = scope.ServiceProvider.GetRequiredService<IDeviceEventSink>();
                    foreach (var stored in lane)
                    {
                        if (!await DeliverAsync(sink, stored, token))
                        {
                            // The transaction's later events wait for this one (the store holds them back until it is delivered).
                            return;
                        }
                        delivered.Enqueue(stored);
                    }
                });
            // One commit marks the whole pass delivered. A crash before it only redelivers events the sink has taken,
            // which it must accept again (signals are idempotent by the event's dedupe id).
            if (!delivered.IsEmpty)
            {
                await store.MarkDeliveredAsync([.. delivered.Select(stored => stored.Seq)], time.GetUtcNow(), ct);
                foreach (var stored in delivered)
                {
                    AttemptCommitted?.Invoke(stored.Event.DedupeId, true);
                }
            }
        }
    }

    private async Task<bool> DeliverAsync(IDeviceEventSink sink, StoredTransactionEvent stored, CancellationToken ct)
    {
        try
        {
            await sink.ChargerTransactionEventAsync(stored.Event, ct);
            return true;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            await store.MarkFailedAsync(stored.Seq, time.GetUtcNow() + options.Value.DeliveryRetryDelay, ex.GetType().Name + ": " + ex.Message, ct);
            OcppLog.DeliveryFailed(logger, ex, stored.Event.DedupeId, stored.Attempts + 1);
            AttemptCommitted?.Invoke(stored.Event.DedupeId, false);
            return false;
        }
    }

    private async Task WaitAsync(CancellationToken stoppingToken)
    {
        var wait = options.Value.DeliveryPollInterval;
        if (await store.NextPendingDueAsync(stoppingToken) is { } due)
        {
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
        stoppingToken.ThrowIfCancellationRequested();
    }
}
