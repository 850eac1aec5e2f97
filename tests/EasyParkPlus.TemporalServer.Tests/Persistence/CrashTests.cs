using System.Diagnostics;
using EasyParkPlus.TestSupport;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace EasyParkPlus.TemporalServer.Tests.Persistence;

/// <summary>
/// Crash safety with real processes (issue 11, must-show 3): two server processes and two SDK worker processes on one
/// database; one server and one worker are SIGKILLed mid-run and PostgreSQL restarts once. The side effects of the
/// activities go to a table keyed by (workflow, step, attempt), so running an attempt twice shows as a repeat.
/// Runs alone: restarting PostgreSQL ends every connection to the shared test cluster, which other test classes running
/// in parallel would see as 57P01 in the middle of their own work.
/// </summary>
[Collection(nameof(CrashTests))]
public sealed class CrashTests : IAsyncLifetime
{
    private const int Workflows = 500;
    private const string Queue = "crash";
    private readonly PostgresDatabaseFixture _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task TwoServersTwoWorkers_OneOfEachKilledAndPostgresRestarted_AllWorkflowsCompleteEachActivityAcceptedOnce()
    {
        // The bench tool's worker records each activity execution here (see its BenchActivities).
        await _database.ExecuteAsync("""
            CREATE TABLE temporal_bench_effects (
                workflow_id text NOT NULL, step integer NOT NULL, attempt integer NOT NULL, worker text NOT NULL,
                repeats integer NOT NULL DEFAULT 0, PRIMARY KEY (workflow_id, step, attempt))
            """);
        var fallback = TimeSpan.FromMilliseconds(500);
        var a = await ServerProcess.StartAsync(_database.ConnectionString, fallback);
        await using var b = await ServerProcess.StartAsync(_database.ConnectionString, fallback);
        try
        {
            await using var w1 = await WorkerProcess.StartAsync(a.Address, Queue, "w1", _database.ConnectionString);
            await using var w2 = await WorkerProcess.StartAsync(b.Address, Queue, "w2", _database.ConnectionString);
            var clients = new[] { await TemporalClient.ConnectAsync(new(a.Address)), await TemporalClient.ConnectAsync(new(b.Address)) };
            var ids = Enumerable.Range(0, Workflows).Select(i => $"crash-{i}").ToList();

            await Task.WhenAll(ids.Select((id, i) => RetryAsync(() => clients[i % 2].StartWorkflowAsync("ThreeActivityWorkflow", [id],
                new(id, Queue) { IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting }))));

            string Outputs() => $"server a: {Tail(a.Output)}; server b: {Tail(b.Output)}; worker w1: {w1.OutputTail}";
            await EffectsAtLeastAsync(300, Outputs);
            a.Kill();
            w2.Kill();
            a = await ServerProcess.StartAsync(_database.ConnectionString, fallback, a.Port);
            await EffectsAtLeastAsync(700, Outputs);
            await RestartPostgresAsync();
            // This process's own pooled connections died with the restart; the servers handle theirs themselves.
            Npgsql.NpgsqlConnection.ClearAllPools();

            // Results through server B, which outlived everything (retrying while PostgreSQL comes back).
            // Bounded, so a stuck workflow fails the test with a count instead of hanging it.
            var results = await Task.WhenAll(ids.Select(id => RetryAsync(() => clients[1].GetWorkflowHandle(id).GetResultAsync<int>())))
                .WaitAsync(TimeSpan.FromMinutes(2));
            results.Should().AllBeEquivalentTo(6);

            var effects = await _database.RowsAsync("SELECT workflow_id, step, attempt, repeats FROM temporal_bench_effects");
            effects.Select(r => ((string)r[0]!, (int)r[1]!)).Distinct().Should().HaveCount(Workflows * 3, "every activity ran");
            effects.Should().OnlyContain(r => (int)r[3]! == 0, "no attempt ran twice");
            var completions = await Task.WhenAll(ids.Select(async id =>
            {
                var history = await RetryAsync(() => clients[1].GetWorkflowHandle(id).FetchHistoryAsync());
                return history.Events.Count(e => e.EventType == EventType.ActivityTaskCompleted);
            }));
            completions.Should().AllBeEquivalentTo(3, "each activity has exactly one accepted completion");
        }
        finally
        {
            await a.DisposeAsync();
        }
    }

    private async Task EffectsAtLeastAsync(long rows, Func<string> outputs)
    {
        var deadline = Stopwatch.StartNew();
        while (await _database.ScalarAsync<long>("SELECT count(*) FROM temporal_bench_effects") is var seen && seen < rows)
        {
            deadline.Elapsed.Should().BeLessThan(TimeSpan.FromMinutes(3),
                $"{rows} activity executions should happen (seen {seen}); {outputs()}");
            await Task.Delay(50);
        }
    }

    private static string Tail(string output) => output.Length > 2000 ? output[^2000..] : output;

    // The cluster `./easypark test` started: restarted in place (same port, same data) as an operator would. The new
    // postmaster logs to a file (-l): without it, it inherits pg_ctl's output, the pipe read here never ends and the
    // test hangs after PostgreSQL is back.
    private static async Task RestartPostgresAsync()
    {
        var dataDirectory = Environment.GetEnvironmentVariable("EASYPARK_TEST_PGDATA")
            ?? throw new InvalidOperationException("EASYPARK_TEST_PGDATA is not set: run the suite with ./easypark test");
        var pgCtl = Path.Combine(Directory.GetDirectories("/usr/lib/postgresql").Order(StringComparer.Ordinal).Last(), "bin", "pg_ctl");
        string[] arguments = [pgCtl, "-D", dataDirectory, "-l", Path.Combine(dataDirectory, "server.log"), "-m", "fast", "-w", "-t", "60", "restart"];
        var info = Environment.UserName == "root"
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", .. arguments])
            : new ProcessStartInfo(arguments[0], arguments[1..]);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0, output);
    }

    // Calls that meet a restarting server or database come back Unavailable (or cannot connect); try again.
    private static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (deadline.Elapsed < TimeSpan.FromMinutes(3)
                && e.Code is RpcException.StatusCode.Unavailable or RpcException.StatusCode.DeadlineExceeded)
            {
                await Task.Delay(100);
            }
        }
    }
}

[CollectionDefinition(nameof(CrashTests), DisableParallelization = true)]
public sealed class CrashTestsCollection;
