using System.Threading.Channels;
using EasyParkPlus.TemporalServer.Cli;
using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Matching;
using EasyParkPlus.TemporalServer.Timers;
using Npgsql;

namespace EasyParkPlus.TemporalServer.Persistence.Postgres;

/// <summary>
/// Lets several server processes on one database act as one. Each process hands its own commits' tasks to its own
/// pollers at once (the commit feed); this service adds what other processes left:
/// <list type="bullet">
/// <item>queue tasks: when another process NOTIFYs a queue on which a poller waits here (or every
/// <see cref="ServerOptions.QueuePollFallback"/>, in case a notification was lost), claim its tasks from the store
/// under a lease and offer them to the local pollers. Starting a task goes through the run's guarded state, so a task
/// offered in two processes is still handed out once;</item>
/// <item>timers overdue by a second (their process died before firing them) and transfer tasks older than a few
/// seconds (their process died before carrying them out), claimed under a lease and run here.</item>
/// </list>
/// Runs claimed from the store are dropped from the cache first: another process changed them.
/// </summary>
public sealed partial class PostgresWorkSharing(
    PostgresServerStore store,
    HistoryEngine engine,
    RunWatchers watchers,
    TaskQueueManager matching,
    TimerProcessor timers,
    TransferProcessor transfers,
    ServerOptions options,
    TimeProvider wall,
    ILogger<PostgresWorkSharing> logger) : BackgroundService
{
    private static readonly TimeSpan QueueLease = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RecoveryLease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RecoveryInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan OrphanAge = TimeSpan.FromSeconds(3);
    private const int ClaimBatch = 32;

    private readonly Channel<TaskQueueKey> _fetch = Channel.CreateUnbounded<TaskQueueKey>(new() { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        engine.SharedStore = true;
        matching.Unmatched = store.Notifier.Post;
        watchers.Recheck = TimeSpan.FromMilliseconds(500);
        await Task.WhenAll(
            Loop("notify", ct => store.Notifier.RunAsync(e => LogNotifyFailed(logger, e), ct), stoppingToken),
            Loop("listen", ListenAsync, stoppingToken),
            Loop("fetch", FetchAsync, stoppingToken),
            Loop("fallback", FallbackAsync, stoppingToken),
            Loop("recovery", RecoverAsync, stoppingToken));
    }

    private async Task Loop(string name, Func<CancellationToken, Task> body, CancellationToken stoppingToken)
    {
        for (var failures = 1; !stoppingToken.IsCancellationRequested; failures++)
        {
            try
            {
                await body(stoppingToken);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
            {
                LogLoopFailed(logger, name, failures, e);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 100 * failures)), wall, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    // One connection LISTENs; a reconnect fetches every waiting queue once, since notifications may have been missed.
    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(stoppingToken);
        connection.Notification += (_, e) =>
        {
            if (PostgresQueueNotifier.Parse(e.Payload) is var (sender, queue) && sender != store.Notifier.InstanceId && matching.HasWaiters(queue))
            {
                _fetch.Writer.TryWrite(queue);
            }
        };
        try
        {
            await using (var listen = new NpgsqlCommand($"LISTEN {PostgresQueueNotifier.Channel}", connection))
            {
                await listen.ExecuteNonQueryAsync(stoppingToken);
            }
            foreach (var queue in matching.QueuesWithWaiters())
            {
                _fetch.Writer.TryWrite(queue);
            }
            while (true)
            {
                await connection.WaitAsync(stoppingToken);
            }
        }
        finally
        {
            await UnlistenAsync(connection);
        }
    }

    // Pooled connections are not reset on close (PostgresServerStore.CreateDataSource): one going back to the pool
    // must not stay subscribed. A connection that cannot run this is broken and leaves the pool anyway.
    private static async Task UnlistenAsync(NpgsqlConnection connection)
    {
        try
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection) { CommandTimeout = 5 };
                await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
        {
        }
    }

    private async Task FallbackAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            await Task.Delay(options.QueuePollFallback, wall, stoppingToken);
            foreach (var queue in matching.QueuesWithWaiters())
            {
                _fetch.Writer.TryWrite(queue);
            }
        }
    }

    private async Task FetchAsync(CancellationToken stoppingToken)
    {
        var pending = new HashSet<TaskQueueKey>();
        while (await _fetch.Reader.WaitToReadAsync(stoppingToken))
        {
            while (_fetch.Reader.TryRead(out var queue))
            {
                pending.Add(queue);
            }
            foreach (var queue in pending)
            {
                var now = wall.GetUtcNow();
                foreach (var task in await store.ClaimQueueTasksAsync(queue, ClaimBatch, now, now + QueueLease, stoppingToken))
                {
                    engine.Forget(task.Key.Run);
                    matching.Add(queue, new MatchedTask(task, null));
                }
            }
            pending.Clear();
        }
    }

    private async Task RecoverAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            var now = wall.GetUtcNow();
            foreach (var timer in await store.ClaimTimersAsync(now - TimeSpan.FromSeconds(1), 256, now + RecoveryLease, stoppingToken))
            {
                engine.Forget(timer.Key.Run);
                timers.Arm(timer);
            }
            foreach (var transfer in await store.ClaimTransfersAsync(256, now, now + RecoveryLease, stoppingToken))
            {
                // A young one is its own process's, which carries it out from memory; the lease taken here keeps it
                // from being claimed again, and lets it be recovered if that process dies.
                if (transfer.CreatedTime < now - OrphanAge)
                {
                    engine.Forget(transfer.Key.Source);
                    transfers.Enqueue(transfer);
                }
            }
            await Task.Delay(RecoveryInterval, wall, stoppingToken);
        }
    }

    [LoggerMessage(11100, LogLevel.Warning, "Sending queue notifications failed; other processes fall back to polling")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);

    [LoggerMessage(11101, LogLevel.Warning, "Work sharing loop {Loop} failed ({Failures} in a row); restarting")]
    private static partial void LogLoopFailed(ILogger logger, string loop, int failures, Exception exception);
}
