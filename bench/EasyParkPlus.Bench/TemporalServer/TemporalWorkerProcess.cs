using Npgsql;
using Temporalio.Client;
using Temporalio.Worker;

namespace EasyParkPlus.Bench.TemporalServer;

/// <summary>
/// An official-SDK worker as its own process: `temporal-worker --address 127.0.0.1:7233 --queue bench --name w1
/// [--effects CONNECTION-STRING]`. Prints "ready" once the worker runs, so a parent can wait without sleeping; runs
/// until killed or SIGTERM.
/// </summary>
internal static class TemporalWorkerProcess
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new Arguments(args);
        var address = arguments.Text("address", "127.0.0.1:7233");
        var name = arguments.Text("name", $"worker-{Environment.ProcessId}");
        await using var effects = arguments.Text("effects", "") is { Length: > 0 } connection ? NpgsqlDataSource.Create(connection) : null;
        var client = await TemporalClient.ConnectAsync(new(address) { Namespace = "default", Identity = name });
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(arguments.Text("queue", "bench"))
        {
            MaxConcurrentActivities = arguments.Int("activity-slots", 100),
            MaxConcurrentWorkflowTasks = arguments.Int("workflow-slots", 100),
        }
            .AddWorkflow<ThreeActivityWorkflow>()
            .AddWorkflow<SignalReactionWorkflow>()
            .AddWorkflow<SleeperWorkflow>()
            .AddAllActivities(new BenchActivities(effects, name)));
        using var stop = new CancellationTokenSource();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        var running = worker.ExecuteAsync(stop.Token);
        Console.Out.WriteLine("ready");
        await Console.Out.FlushAsync();
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }
}
