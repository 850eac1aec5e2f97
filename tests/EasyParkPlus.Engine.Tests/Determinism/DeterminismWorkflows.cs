using System.Collections.Concurrent;
using EasyParkPlus.Engine.Tests.Behaviour;

namespace EasyParkPlus.Engine.Tests.Determinism;

/// <summary>
/// A workflow whose code can be switched, per workflow id, to a "new version" that inserts a timer: what a
/// developer changing workflow code without care would do to runs already in flight.
/// </summary>
[Workflow]
public sealed class Evolving
{
    public static readonly ConcurrentDictionary<string, bool> NewVersion = new();

    private bool _go;

    [WorkflowSignal]
    public Task GoAsync()
    {
        _go = true;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var first = await Workflow.ExecuteActivityAsync((IStepActivities x) => x.StepAsync("a"), new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
        if (NewVersion.GetValueOrDefault(Workflow.Info.WorkflowId))
        {
            await Workflow.DelayAsync(TimeSpan.FromMinutes(1));
        }
        await Workflow.WaitConditionAsync(() => _go);
        return first + await Workflow.ExecuteActivityAsync((IStepActivities x) => x.StepAsync("b"), new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
    }
}

[Workflow]
public sealed class Blocking
{
    [WorkflowRun]
    public Task RunAsync()
    {
        // Blocks the workflow's thread: the engine must report it instead of hanging a worker.
        Workflow.DelayAsync(TimeSpan.FromHours(1)).Wait();
        return Task.CompletedTask;
    }
}

[Workflow]
public sealed class AwaitingTheOutside
{
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    [WorkflowRun]
    public async Task RunAsync()
    {
        // Stands for Task.Delay, Task.Run or real I/O: work that completes outside the workflow.
        await Gates.GetOrAdd(Workflow.Info.WorkflowId, _ => new TaskCompletionSource()).Task;
    }
}
