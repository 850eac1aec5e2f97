using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using EasyParkPlus.Engine;
using EasyParkPlus.Engine.Hosting;
using EasyParkPlus.Engine.Postgres;
using EasyParkPlus.Engine.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EasyParkPlus.Bench.Engine;

/// <summary>
/// Measures the engine against a local PostgreSQL (fsync on): `engine [--scenario all|throughput|single|signal|memory]`
/// (signal: `[--load-rate N] [--signal-rate N] [--signal-from here|elsewhere]`).
/// A fresh engine schema is created for each scenario. Completion is observed in-process from the store's close
/// notices, which fire once the closing transaction has committed, so no extra reads are counted.
/// </summary>
internal static class EngineBenchmark
{
    private const string Queue = "bench";

    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new Arguments(args);
        var scenario = arguments.Text("scenario", "all");
        Console.WriteLine($"# Engine benchmark ({Environment.ProcessorCount} cores, {await ServerVersionAsync(arguments.ConnectionString)}, {DateTimeOffset.UtcNow:yyyy-MM-dd})");
        if (scenario is "all" or "throughput")
        {
            await ThroughputAsync(arguments, concurrency: arguments.Int("concurrency", 32), workflows: arguments.Int("workflows", 20_000));
        }
        if (scenario is "all" or "single")
        {
            await ThroughputAsync(arguments, concurrency: 1, workflows: arguments.Int("single-workflows", 2_000));
        }
        if (scenario is "all" or "signal")
        {
            await SignalLatencyAsync(arguments);
        }
        if (scenario is "all" or "memory")
        {
            await MemoryAsync(arguments);
        }
        return 0;
    }

    // ------------------------------------------------------------------ three-activity workflows

    private static async Task ThroughputAsync(Arguments arguments, int concurrency, int workflows)
    {
        await using var bench = await BenchHost.StartAsync(arguments.ConnectionString, arguments);
        // Warm up the JIT, the connection pool and prepared statements.
        await RunWorkflowsAsync(bench, "warmup", Math.Min(2_000, workflows / 5 + 100), concurrency);
        var commitsBefore = await bench.CommitsAsync();
        var stopwatch = Stopwatch.StartNew();
        var latencies = await RunWorkflowsAsync(bench, "run", workflows, concurrency);
        stopwatch.Stop();
        var commits = await bench.CommitsAsync() - commitsBefore;
        Console.WriteLine($"three-activity workflows, {concurrency} concurrent starter(s): {workflows} in {stopwatch.Elapsed.TotalSeconds:0.00} s = " +
            $"{workflows / stopwatch.Elapsed.TotalSeconds:0} workflows/s; start-to-completion p50 {Percentile(latencies, 0.50):0.00} ms, " +
            $"p99 {Percentile(latencies, 0.99):0.00} ms; {commits / (double)workflows:0.00} commits per workflow (pg_stat_database.xact_commit)");
    }

    private static async Task<List<double>> RunWorkflowsAsync(BenchHost bench, string prefix, int count, int concurrency)
    {
        var latencies = new ConcurrentBag<double>();
        var next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < count)
            {
                var id = $"{prefix}-{i}";
                var closed = bench.ExpectClose(id);
                var started = Stopwatch.GetTimestamp();
                await bench.Client.StartWorkflowAsync((ThreeStepWorkflow wf) => wf.RunAsync("x"), new WorkflowOptions(id, Queue));
                await closed.WaitAsync(TimeSpan.FromMinutes(1));
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
        await Task.WhenAll(workers);
        return [.. latencies];
    }

    // ------------------------------------------------------------------ signal reaction under load

    private static async Task SignalLatencyAsync(Arguments arguments)
    {
        await using var bench = await BenchHost.StartAsync(arguments.ConnectionString, arguments);
        // --signal-from here (default): the worker's own process signals, as the api does when it hosts the worker.
        // --signal-from elsewhere: a client with its own connections and no worker signals, so the worker learns of
        // each signal only through NOTIFY and claims the workflow task, as with an api replica that does not cache the run.
        var from = arguments.Text("signal-from", "here");
        await using var elsewhere = from switch
        {
            "here" => null,
            "elsewhere" => await SignalClient.StartAsync(arguments.ConnectionString),
            _ => throw new ArgumentException($"--signal-from is here or elsewhere, not {from}"),
        };
        var signaller = elsewhere?.Client ?? bench.Client;
        using var eagerSignals = new InstrumentCounter("engine.signals.eager");
        var signals = arguments.Int("signals", 2_000);
        for (var i = 0; i < signals; i++)
        {
            await bench.Client.StartWorkflowAsync((SignalWorkflow wf) => wf.RunAsync(1), new WorkflowOptions($"signal-{i}", Queue));
        }
        // Warm up the signal path (JIT, pooled connections, prepared statements) as the throughput scenario does.
        for (var i = 0; i < 200; i++)
        {
            var id = $"signal-warmup-{i}";
            await bench.Client.StartWorkflowAsync((SignalWorkflow wf) => wf.RunAsync(1), new WorkflowOptions(id, Queue));
            var reacted = bench.ExpectClose(id);
            await signaller.GetWorkflowHandle<SignalWorkflow>(id).SignalAsync(wf => wf.PingAsync());
            await reacted.WaitAsync(TimeSpan.FromMinutes(1));
        }
        var eagerBefore = eagerSignals.Value;

        // Background load: three-activity workflows from 16 starters while signals arrive at a steady rate.
        // --load-rate paces the starters to that many workflows/s in total; 0 (default) runs them flat out,
        // which saturates both cores and measures queueing behind the load as much as the engine.
        var loadRate = arguments.Int("load-rate", 0);
        using var stopLoad = new CancellationTokenSource();
        var loadCount = 0;
        var loadClock = Stopwatch.StartNew();
        var load = Task.WhenAll(Enumerable.Range(0, 16).Select(async worker =>
        {
            for (var i = 0; !stopLoad.IsCancellationRequested; i++)
            {
                if (loadRate > 0 && TimeSpan.FromSeconds((i * 16 + worker) / (double)loadRate) - loadClock.Elapsed is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait);
                }
                var id = $"load-{worker}-{i}";
                var closed = bench.ExpectClose(id);
                await bench.Client.StartWorkflowAsync((ThreeStepWorkflow wf) => wf.RunAsync("x"), new WorkflowOptions(id, Queue));
                await closed.WaitAsync(TimeSpan.FromMinutes(1));
                Interlocked.Increment(ref loadCount);
            }
        }));

        var rate = arguments.Int("signal-rate", 200);
        var latencies = new ConcurrentBag<double>();
        var sendLatencies = new ConcurrentBag<double>();
        var sends = new List<Task>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < signals; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)rate) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }
            var id = $"signal-{i}";
            sends.Add(Task.Run(async () =>
            {
                var reacted = bench.ExpectClose(id);
                var sent = Stopwatch.GetTimestamp();
                await signaller.GetWorkflowHandle<SignalWorkflow>(id).SignalAsync(wf => wf.PingAsync());
                sendLatencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                await reacted.WaitAsync(TimeSpan.FromMinutes(1));
                latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            }));
        }
        await Task.WhenAll(sends);
        var elapsed = clock.Elapsed;
        await stopLoad.CancelAsync();
        await load;
        var list = latencies.ToList();
        Console.WriteLine($"signal reaction (signal sent {(from == "here" ? "by the worker's process" : "by another client through NOTIFY")} -> workflow reacted and committed), " +
            $"{rate} signals/s under a background load of {loadCount / elapsed.TotalSeconds:0} three-activity workflows/s: p50 {Percentile(list, 0.50):0.00} ms, " +
            $"p99 {Percentile(list, 0.99):0.00} ms ({list.Count} signals, {eagerSignals.Value - eagerBefore} committed with their reaction; " +
            $"of which the signal call itself p50 {Percentile([.. sendLatencies], 0.50):0.00} ms, p99 {Percentile([.. sendLatencies], 0.99):0.00} ms)");
    }

    // ------------------------------------------------------------------ memory of idle workflows

    private static async Task MemoryAsync(Arguments arguments)
    {
        await using var bench = await BenchHost.StartAsync(arguments.ConnectionString, arguments);
        var count = arguments.Int("sleepers", 100_000);
        var next = -1;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < count)
            {
                await bench.Client.StartWorkflowAsync((SleepingWorkflow wf) => wf.RunAsync(TimeSpan.FromDays(30)), new WorkflowOptions($"sleeper-{i}", Queue));
            }
        }));
        stopwatch.Stop();
        var timers = await bench.ScalarAsync("SELECT count(*) FROM engine.timers");
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        Console.WriteLine($"idle workflows: {count} started in {stopwatch.Elapsed.TotalSeconds:0.0} s, {timers} waiting on durable timers; worker resident memory " +
            $"{self.WorkingSet64 / 1024.0 / 1024.0:0} MiB (managed heap {GC.GetTotalMemory(false) / 1024.0 / 1024.0:0} MiB, cached instances {bench.CachedInstances})");
    }

    // ------------------------------------------------------------------ helpers

    internal static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        values.Sort();
        return values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
    }

    private static async Task<string> ServerVersionAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT 'PostgreSQL ' || current_setting('server_version') || ', fsync ' || current_setting('fsync')");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Counts what the engine adds to one of its counters while it is alive.</summary>
    private sealed class InstrumentCounter : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private long _value;

        public InstrumentCounter(string instrument)
        {
            _listener.InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == EasyParkPlus.Engine.Runtime.EngineTelemetry.Name && i.Name == instrument)
                {
                    l.EnableMeasurementEvents(i);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _value, value));
            _listener.Start();
        }

        public long Value => Interlocked.Read(ref _value);

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>A client with its own connections and no worker (an api replica that caches nothing).</summary>
    private sealed class SignalClient : IAsyncDisposable
    {
        private readonly IHost _host;

        private SignalClient(IHost host)
        {
            _host = host;
            Client = host.Services.GetRequiredService<IWorkflowClient>();
        }

        public IWorkflowClient Client { get; }

        public static async Task<SignalClient> StartAsync(string connectionString)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 64, AutoPrepareMinUsages = 2 }.ConnectionString));
            builder.Services.AddWorkflowEngine(o => o.Identity = "bench-signaller").UsePostgres(migrate: false).AddWorkflow<SignalWorkflow>();
            var host = builder.Build();
            await host.StartAsync();
            return new SignalClient(host);
        }

        public async ValueTask DisposeAsync()
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    /// <summary>A worker and client in this process over a fresh engine schema.</summary>
    private sealed class BenchHost : IAsyncDisposable
    {
        private readonly IHost _host;
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _closes = new(StringComparer.Ordinal);

        private BenchHost(IHost host)
        {
            _host = host;
            Client = host.Services.GetRequiredService<IWorkflowClient>();
            Store = host.Services.GetRequiredService<PostgresWorkflowStore>();
            Store.WorkAvailable += notice =>
            {
                if (notice.Kind == WorkKind.Closed && _closes.TryRemove(notice.Name, out var closed))
                {
                    closed.TrySetResult();
                }
            };
        }

        public IWorkflowClient Client { get; }

        public PostgresWorkflowStore Store { get; }

        public int CachedInstances => _host.Services.GetRequiredService<EasyParkPlus.Engine.Runtime.WorkflowRuntime>().CachedWorkflowCount;

        public static async Task<BenchHost> StartAsync(string connectionString, Arguments arguments)
        {
            var connection = new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 64, AutoPrepareMinUsages = 2, MaxPoolSize = 200, NoResetOnClose = true };
            await using (var reset = NpgsqlDataSource.Create(connection.ConnectionString))
            await using (var drop = reset.CreateCommand("DROP SCHEMA IF EXISTS engine CASCADE"))
            {
                await drop.ExecuteNonQueryAsync();
            }
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton(NpgsqlDataSource.Create(connection.ConnectionString));
            builder.Services.AddWorkflowEngine(o => o.Identity = "bench")
                .UsePostgres()
                .AddWorkflow<ThreeStepWorkflow>().AddWorkflow<SignalWorkflow>().AddWorkflow<SleepingWorkflow>()
                .AddSingletonActivities<IBenchActivities>(new NoopActivities())
                .AddWorker(Queue, w =>
                {
                    w.MaxConcurrentWorkflowTasks = arguments.Int("workflow-slots", 64);
                    w.MaxConcurrentActivities = arguments.Int("activity-slots", 64);
                });
            var host = builder.Build();
            await host.StartAsync();
            return new BenchHost(host);
        }

        public Task ExpectClose(string workflowId) => _closes.GetOrAdd(workflowId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public async Task<long> CommitsAsync()
        {
            // A backend flushes its statistics lazily, but always when it exits: close the idle connections first.
            Store.DataSource.Clear();
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            return await ScalarAsync("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
        }

        public async Task<long> ScalarAsync(string sql)
        {
            await using var command = Store.DataSource.CreateCommand(sql);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        public async ValueTask DisposeAsync()
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }
}
