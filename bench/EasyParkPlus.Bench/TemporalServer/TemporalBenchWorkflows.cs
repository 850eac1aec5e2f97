using Npgsql;
using Temporalio.Activities;
using Temporalio.Common;
using Temporalio.Workflows;

namespace EasyParkPlus.Bench.TemporalServer;

/// <summary>Three activities in a row: the workflow the throughput figures and the crash test count.</summary>
[Workflow]
public sealed class ThreeActivityWorkflow
{
    private static readonly ActivityOptions StepOptions = new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(10),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(200), BackoffCoefficient = 1.5f, MaximumInterval = TimeSpan.FromSeconds(2) },
    };

    [WorkflowRun]
    public async Task<int> RunAsync(string id)
    {
        var total = 0;
        for (var step = 1; step <= 3; step++)
        {
            var current = step;
            total += await Workflow.ExecuteActivityAsync((BenchActivities a) => a.StepAsync(id, current), StepOptions);
        }
        return total;
    }
}

/// <summary>Waits for one signal, then completes: the signal-to-reaction figure.</summary>
[Workflow]
public sealed class SignalReactionWorkflow
{
    private bool _pinged;

    [WorkflowRun]
    public async Task RunAsync() => await Workflow.WaitConditionAsync(() => _pinged);

    [WorkflowSignal]
    public Task PingAsync()
    {
        _pinged = true;
        return Task.CompletedTask;
    }
}

/// <summary>Sleeps on a durable timer: the memory figure with many idle workflows.</summary>
[Workflow]
public sealed class SleeperWorkflow
{
    [WorkflowRun]
    public Task RunAsync(TimeSpan sleep) => Workflow.DelayAsync(sleep);
}

/// <summary>
/// The activities. With a database, each execution records its side effect under (workflow, step, attempt); running
/// the same attempt twice counts a repeat instead of adding a row, so duplicates show only as retried attempts.
/// </summary>
public sealed class BenchActivities(NpgsqlDataSource? effects, string worker)
{
    public const string EffectsTableSql = """
        CREATE TABLE IF NOT EXISTS temporal_bench_effects (
            workflow_id text NOT NULL, step integer NOT NULL, attempt integer NOT NULL, worker text NOT NULL,
            repeats integer NOT NULL DEFAULT 0, PRIMARY KEY (workflow_id, step, attempt))
        """;

    [Activity]
    public async Task<int> StepAsync(string id, int step)
    {
        if (effects is not null)
        {
            await using var command = effects.CreateCommand("""
                INSERT INTO temporal_bench_effects (workflow_id, step, attempt, worker) VALUES ($1, $2, $3, $4)
                ON CONFLICT (workflow_id, step, attempt) DO UPDATE SET repeats = temporal_bench_effects.repeats + 1
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = step });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = ActivityExecutionContext.Current.Info.Attempt });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = worker });
            await command.ExecuteNonQueryAsync(ActivityExecutionContext.Current.CancellationToken);
        }
        return step;
    }
}
