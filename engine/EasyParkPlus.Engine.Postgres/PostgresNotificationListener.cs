using EasyParkPlus.Engine.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EasyParkPlus.Engine.Postgres;

/// <summary>
/// Holds one connection that LISTENs for work and close notifications from other processes and turns them into
/// the store's wake-ups. After a reconnect it wakes everything once, in case notifications were missed.
/// </summary>
public sealed partial class PostgresNotificationListener(PostgresWorkflowStore store, ILogger<PostgresNotificationListener> logger) : BackgroundService
{
    private readonly HashSet<string> _knownQueues = new(StringComparer.Ordinal);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        store.WorkAvailable += Remember;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await store.DataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, e) => Dispatch(e.Channel, e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Sql.NotifyChannel}; LISTEN {Sql.ClosedChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }
                if (failures > 0)
                {
                    WakeAll();
                }
                failures = 0;
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                failures++;
                LogListenFailed(ex, failures);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 200 * failures)), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        store.WorkAvailable -= Remember;
    }

    private void Remember(WorkNotice notice)
    {
        if (notice.Kind != WorkKind.Closed)
        {
            lock (_knownQueues)
            {
                _knownQueues.Add(notice.Name);
            }
        }
    }

    private void Dispatch(string channel, string payload)
    {
        if (channel == Sql.ClosedChannel)
        {
            store.Raise(new WorkNotice(WorkKind.Closed, payload));
        }
        else if (payload.StartsWith("q:", StringComparison.Ordinal))
        {
            store.RaiseQueue(payload[2..]);
        }
    }

    private void WakeAll()
    {
        string[] queues;
        lock (_knownQueues)
        {
            queues = [.. _knownQueues];
        }
        foreach (var queue in queues)
        {
            store.RaiseQueue(queue);
        }
    }

    [LoggerMessage(1301, LogLevel.Warning, "Listening for engine notifications failed ({Failures} in a row); reconnecting. Workers fall back to polling meanwhile.")]
    private partial void LogListenFailed(Exception exception, int failures);
}
