using EasyParkPlus.Engine;
using Npgsql;

namespace EasyParkPlus.Bench.Engine;

public interface IBenchActivities
{
    [Activity]
    Task<string> StepAsync(string workflowId, string step);
}

/// <summary>Activities that do nothing but answer: the benchmark measures the engine, not the work.</summary>
public sealed class NoopActivities : IBenchActivities
{
    public Task<string> StepAsync(string workflowId, string step) => Task.FromResult(step);
}

/// <summary>
/// Activities that take a little real time and record every execution in <c>bench_activity_runs</c>, so a test can
/// count how often each step really ran (duplicates after a crash).
/// </summary>
public sealed class RecordingActivities(NpgsqlDataSource dataSource, WorkerSettings settings) : IBenchActivities
{
    private static int s_executions;

    public async Task<string> StepAsync(string workflowId, string step)
    {
        var context = ActivityExecutionContext.Current;
        // The side effect first, then the rest of the "work": a crash in between is the case that repeats effects.
        await using (var command = dataSource.CreateCommand(
            "INSERT INTO bench_activity_runs (workflow_id, step, attempt, worker) VALUES ($1, $2, $3, $4)"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workflowId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = step });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = context.Info.Attempt });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = settings.Name });
            await command.ExecuteNonQueryAsync(context.CancellationToken);
        }
        if (settings.KillAfterSteps > 0 && Interlocked.Increment(ref s_executions) == settings.KillAfterSteps)
        {
            // SIGKILL on Linux: no shutdown, no completion of this or any other attempt in flight.
            System.Diagnostics.Process.GetCurrentProcess().Kill();
        }
        if (settings.ActivityDelay > TimeSpan.Zero)
        {
            await Task.Delay(settings.ActivityDelay, context.CancellationToken);
        }
        return step;
    }
}

public sealed record WorkerSettings(string Name, TimeSpan ActivityDelay, int KillAfterSteps = 0);

/// <summary>The benchmark's workflow: three activities in a row, as the targets specify.</summary>
[Workflow]
public sealed class ThreeStepWorkflow
{
    private static readonly ActivityOptions Options = new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(5),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(200), MaximumAttempts = 20 },
    };

    [WorkflowRun]
    public async Task<string> RunAsync(string name)
    {
        var id = Workflow.Info.WorkflowId;
        var a = await Workflow.ExecuteActivityAsync((IBenchActivities x) => x.StepAsync(id, "a"), Options);
        var b = await Workflow.ExecuteActivityAsync((IBenchActivities x) => x.StepAsync(id, "b"), Options);
        var c = await Workflow.ExecuteActivityAsync((IBenchActivities x) => x.StepAsync(id, "c"), Options);
        return $"{name}:{a}{b}{c}";
    }
}

/// <summary>Waits for signals; answers each by completing once it has seen <c>count</c> of them.</summary>
[Workflow]
public sealed class SignalWorkflow
{
    private int _received;

    [WorkflowQuery]
    public int Received => _received;

    [WorkflowSignal]
    public Task PingAsync()
    {
        _received++;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<int> RunAsync(int count)
    {
        await Workflow.WaitConditionAsync(() => _received >= count);
        return _received;
    }
}

/// <summary>Sleeps on a durable timer: idle workflows must live in PostgreSQL, not in the worker's memory.</summary>
[Workflow]
public sealed class SleepingWorkflow
{
    [WorkflowRun]
    public async Task RunAsync(TimeSpan sleep) => await Workflow.DelayAsync(sleep);
}
