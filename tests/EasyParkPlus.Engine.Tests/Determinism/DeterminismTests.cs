using EasyParkPlus.Engine.Store;
using EasyParkPlus.Engine.Testing;
using EasyParkPlus.Engine.Tests.Behaviour;

namespace EasyParkPlus.Engine.Tests.Determinism;

public sealed class DeterminismTests
{
    // Only the deadlock test wants a short deadlock timeout; elsewhere a busy machine (a slow Task.Run) must not be
    // mistaken for a deadlock, which once turned the outside-work test's expected message into "held its thread".
    private static WorkflowTestEnvironment Environment(IWorkflowStore store, StepActivities activities, TimeSpan? deadlockTimeout = null) =>
        WorkflowTestEnvironment.Create(b => b.AddWorkflow<Evolving>().AddWorkflow<Blocking>().AddWorkflow<AwaitingTheOutside>()
            .AddSingletonActivities<IStepActivities>(activities), store, configureEngine: o => o.DeadlockTimeout = deadlockTimeout ?? TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Replay_CodeChangedIncompatibly_FailsTheWorkflowTaskVisibly_KeepsHistory_AndResumesWithFixedCode()
    {
        var store = new InMemoryWorkflowStore();
        var activities = new StepActivities();
        const string id = "evolving-1";
        await using (var before = Environment(store, activities))
        {
            await before.Client.StartWorkflowAsync((Evolving wf) => wf.RunAsync(), new WorkflowOptions(id, "test"));
        }
        var historyBefore = await store.ReadHistoryAsync(new ExecutionKey(id, (await store.GetExecutionAsync(id, null))!.RunId), 0);

        // A new deployment (fresh worker, empty cache) runs changed code; the next workflow task replays it.
        Evolving.NewVersion[id] = true;
        await using var after = Environment(store, activities);
        await after.Client.GetWorkflowHandle<Evolving>(id).SignalAsync(wf => wf.GoAsync());

        var stuck = await after.Client.DescribeWorkflowAsync(id);
        Assert.Equal(WorkflowStatus.Running, stuck.Execution.Status);
        var failure = Assert.IsType<Failure>(stuck.LastWorkflowTaskFailure);
        Assert.Equal(nameof(WorkflowNondeterminismException), failure.ErrorType);
        Assert.Contains("TimerStarted", failure.Message, StringComparison.Ordinal);
        Assert.Contains("history has no command there", failure.Message, StringComparison.Ordinal);
        var historyDuring = await after.Client.GetWorkflowHistoryAsync(id);
        Assert.Equal(historyBefore.Select(e => e.EventType).Append(nameof(WorkflowExecutionSignaled)), historyDuring.Select(e => e.EventType));
        Assert.Equal(1, activities.Count("Step"));

        // The fix is deployed: the retried workflow task replays cleanly and the run completes.
        Evolving.NewVersion[id] = false;
        await after.SkipTimeAsync(TimeSpan.FromMinutes(2));
        var result = await after.Client.GetWorkflowHandle(id).GetResultAsync<string>();
        Assert.Equal("a!b!", result);
        Assert.Null((await after.Client.DescribeWorkflowAsync(id)).LastWorkflowTaskFailure);
    }

    [Fact]
    public async Task Replayer_ExportedHistory_ReplaysWithSameCode_AndReportsWhatChangedWithNewCode()
    {
        var activities = new StepActivities();
        const string id = "evolving-2";
        await using var env = Environment(new InMemoryWorkflowStore(), activities);
        var handle = await env.Client.StartWorkflowAsync((Evolving wf) => wf.RunAsync(), new WorkflowOptions(id, "test"));
        await handle.SignalAsync(wf => wf.GoAsync());
        await handle.GetResultAsync();
        var json = await handle.ExportHistoryJsonAsync();
        var replayer = new WorkflowReplayer(typeof(Evolving));

        await replayer.ReplayJsonAsync(json);
        Evolving.NewVersion[id] = true;
        var error = await Assert.ThrowsAsync<WorkflowNondeterminismException>(() => replayer.ReplayJsonAsync(json));

        Assert.Contains("TimerStarted", error.Message, StringComparison.Ordinal);
        Assert.Contains(id, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowBlockingItsThread_IsReportedAsDeadlock()
    {
        await using var env = Environment(new InMemoryWorkflowStore(), new StepActivities(), deadlockTimeout: TimeSpan.FromMilliseconds(300));

        await env.Client.StartWorkflowAsync((Blocking wf) => wf.RunAsync(), new WorkflowOptions("blocking-1", "test"));

        var described = await env.Client.DescribeWorkflowAsync("blocking-1");
        Assert.Equal(WorkflowStatus.Running, described.Execution.Status);
        Assert.Contains("held its thread", described.LastWorkflowTaskFailure?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowAwaitingWorkFromOutside_FailsItsWorkflowTaskWithAClearMessage()
    {
        await using var env = Environment(new InMemoryWorkflowStore(), new StepActivities());
        await env.Client.StartWorkflowAsync((AwaitingTheOutside wf) => wf.RunAsync(), new WorkflowOptions("outside-1", "test"));
        Assert.Null((await env.Client.DescribeWorkflowAsync("outside-1")).LastWorkflowTaskFailure);

        AwaitingTheOutside.Gates["outside-1"].SetResult();
        await env.RunUntilIdleAsync();

        var described = await env.Client.DescribeWorkflowAsync("outside-1");
        Assert.Equal(WorkflowStatus.Running, described.Execution.Status);
        Assert.Contains("completed outside the workflow", described.LastWorkflowTaskFailure?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkflowApiUsedFromEscapedCode_Throws()
    {
        var escaped = await Task.Run(() => Assert.Throws<InvalidOperationException>(() => Workflow.UtcNow));

        Assert.Contains("only be used from workflow code", escaped.Message, StringComparison.Ordinal);
    }
}
