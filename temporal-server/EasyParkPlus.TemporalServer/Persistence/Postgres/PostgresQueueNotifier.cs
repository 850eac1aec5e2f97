using System.Globalization;
using System.Threading.Channels;
using Npgsql;

namespace EasyParkPlus.TemporalServer.Persistence.Postgres;

/// <summary>
/// Tells other server processes which task queues got tasks, by NOTIFY on <see cref="Channel"/>, after the commit and
/// in a transaction of its own that does not wait for the WAL flush. A transaction that NOTIFYs holds PostgreSQL's
/// single notification-queue lock from its pre-commit until its commit record is written and, with synchronous commit,
/// flushed: NOTIFY inside every durable commit would let only one commit through per fsync (a few hundred a second on
/// one disk); that is what made signals sent from another process queue up behind the engine's load. Queues posted
/// while a NOTIFY is in flight go together in the next one. A lost notification costs one poll-fallback interval.
/// </summary>
public sealed class PostgresQueueNotifier(NpgsqlDataSource dataSource)
{
    public const string Channel = "temporal_queue_tasks";
    private const char Separator = '\u001f';

    private readonly Channel<TaskQueueKey> _pending = System.Threading.Channels.Channel.CreateBounded<TaskQueueKey>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    /// <summary>Names this process in its notifications, so its own listener can skip them.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    public void Post(TaskQueueKey queue) => _pending.Writer.TryWrite(queue);

    /// <summary>Sends what was posted until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(Action<Exception> failed, CancellationToken cancellationToken)
    {
        var queues = new HashSet<TaskQueueKey>();
        while (await _pending.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_pending.Reader.TryRead(out var queue))
            {
                queues.Add(queue);
            }
            try
            {
                await using var command = dataSource.CreateCommand(
                    $"SELECT set_config('synchronous_commit', 'off', true), pg_notify('{Channel}', p) FROM unnest($1::text[]) AS p");
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. queues.Select(q => Format(InstanceId, q))] });
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                failed(e);
            }
            queues.Clear();
        }
    }

    public static string Format(string sender, TaskQueueKey queue) =>
        string.Join(Separator, sender, queue.Namespace, queue.Name, ((int)queue.Type).ToString(CultureInfo.InvariantCulture));

    public static (string Sender, TaskQueueKey Queue)? Parse(string payload)
    {
        var parts = payload.Split(Separator);
        return parts.Length == 4 && int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var type)
            ? (parts[0], new TaskQueueKey(parts[1], parts[2], (QueueTaskType)type))
            : null;
    }
}
