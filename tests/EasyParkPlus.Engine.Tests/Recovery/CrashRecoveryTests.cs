using System.Text.Json;
using EasyParkPlus.Engine.Hosting;
using EasyParkPlus.Engine.Postgres;
using EasyParkPlus.Engine.Runtime;
using EasyParkPlus.Engine.Tests.Behaviour;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace EasyParkPlus.Engine.Tests.Recovery;

/// <summary>Runs alone: its worker processes would otherwise skew the wall-clock checks of other tests.</summary>
[CollectionDefinition(nameof(CrashRecoveryTests), DisableParallelization = true)]
public sealed class CrashRecoveryCollection;

[Collection(nameof(CrashRecoveryTests))]
public sealed class CrashRecoveryTests(EngineDatabaseFixture database, ITestOutputHelper output) : IClassFixture<EngineDatabaseFixture>
{
    private const int Workflows = 500;
    private const int ActivitySlots = 16;
    private const int KillAfterSteps = 150;

    [Fact]
    public async Task TwoWorkerProcesses_OneKilledMidRun_EveryWorkflowCompletes_AndOnlyInFlightActivitiesRunTwice()
    {
        await using (var create = database.DataSource.CreateCommand(
            "CREATE TABLE bench_activity_runs (workflow_id text NOT NULL, step text NOT NULL, attempt int NOT NULL, worker text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())"))
        {
            await create.ExecuteNonQueryAsync();
        }
        string[] workerArgs = ["--queue", "crash", "--lease", "2", "--activity-delay-ms", "50", "--activity-slots", $"{ActivitySlots}", "--workflow-slots", "16"];
        // The doomed worker SIGKILLs itself right after the side effect of its 150th activity: mid-run, with
        // other attempts of its own in flight, at a point that does not depend on timing.
        await using var doomed = await WorkerProcessHandle.StartAsync(database.ConnectionString, "doomed", [.. workerArgs, "--kill-after-steps", $"{KillAfterSteps}"]);
        await using var survivor = await WorkerProcessHandle.StartAsync(database.ConnectionString, "survivor", workerArgs);

        var store = new PostgresWorkflowStore(database.DataSource, "crash-test-client");
        using var listener = new PostgresNotificationListener(store, NullLogger<PostgresNotificationListener>.Instance);
        await listener.StartAsync(CancellationToken.None);
        var client = new WorkflowClient(store, new WorkflowRegistry(), TimeProvider.System, null, new WorkflowEngineOptions { Identity = "crash-test-client" }, null);

        var ids = Enumerable.Range(0, Workflows).Select(i => $"crash-{i:D3}").ToList();
        await Parallel.ForEachAsync(Enumerable.Range(0, Workflows), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, cancellationToken) =>
            await client.StartWorkflowAsync("ThreeStepWorkflow", JsonSerializer.SerializeToElement(new[] { $"w{i}" }), new WorkflowOptions(ids[i], "crash"), cancellationToken));

        var all = new List<JsonElement?>();
        foreach (var id in ids)
        {
            all.Add(await client.GetWorkflowResultAsync(id, null).WaitAsync(TimeSpan.FromMinutes(2)));
        }
        Assert.Equal(137, await doomed.WaitForExitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(ids.Select((_, i) => $"w{i}:abc"), all.Select(r => r!.Value.GetString()));
        var runs = await QueryAsync("SELECT workflow_id, step, count(*), array_agg(DISTINCT worker) FROM bench_activity_runs GROUP BY workflow_id, step",
            r => (Id: r.GetString(0), Step: r.GetString(1), Count: r.GetInt64(2), Workers: r.GetFieldValue<string[]>(3)));
        Assert.Equal(Workflows * 3, runs.Count);
        var duplicates = runs.Sum(r => r.Count - 1);
        var byDoomed = runs.Count(r => r.Workers.Contains("doomed"));
        output.WriteLine($"activity executions: {runs.Sum(r => r.Count)} for {runs.Count} steps; duplicates after SIGKILL: {duplicates}; " +
            $"steps run by the killed worker: {byDoomed}");
        // The 150th side effect and those of attempts running beside it in the same process, no more.
        Assert.InRange(byDoomed, KillAfterSteps, KillAfterSteps + ActivitySlots - 1);
        Assert.True(duplicates <= ActivitySlots, $"{duplicates} duplicate executions; at most the {ActivitySlots} attempts in flight in the killed worker may repeat");
        Assert.All(runs.Where(r => r.Count > 1), r => Assert.Contains("doomed", r.Workers));

        var leftovers = await QueryAsync("SELECT (SELECT count(*) FROM engine.workflow_tasks) + (SELECT count(*) FROM engine.activity_tasks) + (SELECT count(*) FROM engine.timers)",
            r => r.GetInt64(0));
        Assert.Equal(0, leftovers.Single());
        var completions = await QueryAsync("""
            SELECT count(*) FILTER (WHERE n <> 1) FROM (
                SELECT workflow_id, (attributes->>'scheduledEventId')::bigint AS scheduled, count(*) AS n
                FROM engine.history WHERE event_type = 'ActivityTaskCompleted' GROUP BY 1, 2) c
            """, r => r.GetInt64(0));
        Assert.Equal(0, completions.Single());
        await listener.StopAsync(CancellationToken.None);
    }

    private async Task<List<T>> QueryAsync<T>(string sql, Func<Npgsql.NpgsqlDataReader, T> read)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }
        return rows;
    }
}
