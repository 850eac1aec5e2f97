using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Temporalio.Client;
using Temporalio.Worker;

namespace EasyParkPlus.Bench.TemporalServer;

/// <summary>
/// Our Temporal-compatible server on PostgreSQL under official SDK clients and a worker:
/// `temporal [--workflows 2000] [--concurrency 32] [--single 300] [--signals 0 --signal-rate 200 --load-rate 0] [--sleepers 0]`. It starts the built server as its
/// own process on the database EASYPARK_POSTGRES names (schema "temporal"), runs the worker in this process, and
/// prints each figure with the command line and the machine's load average.
/// </summary>
internal static class TemporalServerBenchmark
{
    private const string Queue = "bench";

    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new Arguments(args);
        var command = "./easypark bench temporal " + string.Join(' ', args);
        var port = Machine.FreePort();
        using var server = StartServer(arguments.ConnectionString, port);
        var client = await ConnectAsync($"127.0.0.1:{port}", server);
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(Queue) { MaxConcurrentActivities = 200, MaxConcurrentWorkflowTasks = 200 }
            .AddWorkflow<ThreeActivityWorkflow>()
            .AddWorkflow<SleeperWorkflow>()
            .AddAllActivities(new BenchActivities(null, "bench")));
        await using var database = NpgsqlDataSource.Create(arguments.ConnectionString);
        try
        {
            await worker.ExecuteAsync(async () =>
            {
                await RunWorkflowsAsync(client, "warmup", 200, 16);
                await ThroughputAsync(client, database, command, "workflows", arguments.Int("workflows", 2_000), arguments.Int("concurrency", 32));
                await ThroughputAsync(client, database, command, "single", arguments.Int("single", 300), 1);
                if (arguments.Int("signals", 0) is > 0 and var signals)
                {
                    await SignalBenchmark.RunAsync(client, $"127.0.0.1:{port}", command, signals, arguments.Int("signal-rate", 200), arguments.Int("load-rate", 0));
                }
                if (arguments.Int("sleepers", 0) is > 0 and var sleepers)
                {
                    await SleepersAsync(client, server, command, sleepers);
                }
            });
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
        return 0;
    }

    private static async Task ThroughputAsync(TemporalClient client, NpgsqlDataSource database, string command, string prefix, int count, int concurrency)
    {
        var commitsBefore = await CommitsAsync(database);
        var stopwatch = Stopwatch.StartNew();
        var latencies = await RunWorkflowsAsync(client, prefix, count, concurrency);
        stopwatch.Stop();
        var commits = await CommitsAsync(database) - commitsBefore;
        Console.WriteLine($"[{command}] [load {Machine.Load()}] three-activity workflows, {concurrency} concurrent starter(s): {count} in {stopwatch.Elapsed.TotalSeconds:0.00} s = "
            + $"{count / stopwatch.Elapsed.TotalSeconds:0} workflows/s; start-to-completion p50 {Statistics.Percentile(latencies, 0.50):0.00} ms, p99 {Statistics.Percentile(latencies, 0.99):0.00} ms; "
            + $"{commits / (double)count:0.00} commits per workflow (pg_stat_database.xact_commit, whole database)");
    }

    private static async Task<List<double>> RunWorkflowsAsync(TemporalClient client, string prefix, int count, int concurrency)
    {
        var latencies = new ConcurrentBag<double>();
        var next = -1;
        var run = $"{prefix}-{Guid.NewGuid():N}";
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < count)
            {
                var id = $"{run}-{i}";
                var started = Stopwatch.GetTimestamp();
                await client.ExecuteWorkflowAsync((ThreeActivityWorkflow wf) => wf.RunAsync(id), new(id, Queue));
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        return [.. latencies];
    }

    private static async Task SleepersAsync(TemporalClient client, Process server, string command, int count)
    {
        var next = -1;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < count)
            {
                await client.StartWorkflowAsync((SleeperWorkflow wf) => wf.RunAsync(TimeSpan.FromDays(30)), new($"sleeper-{Guid.NewGuid():N}", Queue));
            }
        }));
        server.Refresh();
        Console.WriteLine($"[{command}] [load {Machine.Load()}] idle workflows: {count} started in {stopwatch.Elapsed.TotalSeconds:0.0} s, each waiting on a 30-day timer; "
            + $"server resident memory {server.WorkingSet64 / 1024.0 / 1024.0:0} MiB");
    }

    private static Process StartServer(string connectionString, int port)
    {
        var info = new ProcessStartInfo(ServerExecutable()) { UseShellExecute = false };
        foreach (var argument in new[] { "server", "start-dev", "--port", port.ToString(CultureInfo.InvariantCulture), "--headless", "--store", "postgres" })
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["TemporalServer__Postgres"] = connectionString;
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
    }

    private static async Task<TemporalClient> ConnectAsync(string address, Process server)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await TemporalClient.ConnectAsync(new(address) { Namespace = "default" });
            }
            catch (Exception) when (deadline.Elapsed < TimeSpan.FromSeconds(60) && !server.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task<long> CommitsAsync(NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    // The server built beside this tool, unless EASYPARK_TEMPORAL_SERVER names another executable.
    private static string ServerExecutable() => Environment.GetEnvironmentVariable("EASYPARK_TEMPORAL_SERVER") is { Length: > 0 } configured ? configured
        : Machine.BuiltFile("temporal-server", "EasyParkPlus.TemporalServer", "EasyParkPlus.TemporalServer");
}
