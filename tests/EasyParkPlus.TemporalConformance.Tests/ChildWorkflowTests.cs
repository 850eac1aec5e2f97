using EasyParkPlus.TemporalConformance.Tests.Infrastructure;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Workflows;
using ParentClosePolicy = Temporalio.Workflows.ParentClosePolicy;

namespace EasyParkPlus.TemporalConformance.Tests;

/// <summary>Child workflows: every outcome the parent can see, a start that fails, and the parent close policies.</summary>
[Collection(DevServerCollection.Name)]
public sealed class ChildWorkflowTests(DevServerFixture fixture)
{
    public enum ChildBehavior
    {
        Complete,
        Fail,
        Hang,
    }

    public enum ParentMode
    {
        AwaitChild,
        CancelChild,
        StartChildAndReturn,
    }

    public sealed record ChildPlan(string ChildId, ChildBehavior Behavior, ParentMode Mode, ParentClosePolicy Policy = ParentClosePolicy.Terminate, TimeSpan? ChildTimeout = null);

    [Workflow]
    public sealed class ParentWorkflow
    {
        [WorkflowRun]
        public async Task<string> RunAsync(ChildPlan plan)
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
            var options = new ChildWorkflowOptions
            {
                Id = plan.ChildId,
                ParentClosePolicy = plan.Policy,
                ExecutionTimeout = plan.ChildTimeout,
                CancellationToken = cancel.Token,
            };
            try
            {
                var child = await Workflow.StartChildWorkflowAsync((ChildWorkflow c) => c.RunAsync(plan.Behavior), options);
                switch (plan.Mode)
                {
                    case ParentMode.StartChildAndReturn:
                        return $"started {child.FirstExecutionRunId}";
                    case ParentMode.CancelChild:
                        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(300));
                        // CancelAsync would run the cancellation off the workflow's scheduler, which the SDK refuses.
#pragma warning disable CA1849
                        cancel.Cancel();
#pragma warning restore CA1849
                        break;
                }
                return $"completed: {await child.GetResultAsync()}";
            }
            catch (ChildWorkflowFailureException e)
            {
                return $"child failed: {e.InnerException?.GetType().Name} {e.InnerException?.Message}";
            }
            catch (WorkflowAlreadyStartedException e)
            {
                return $"start failed: {e.GetType().Name}";
            }
        }
    }

    [Workflow]
    public sealed class ChildWorkflow
    {
        [WorkflowRun]
        public async Task<string> RunAsync(ChildBehavior behavior)
        {
            switch (behavior)
            {
                case ChildBehavior.Fail:
                    throw new ApplicationFailureException("the child gave up");
                case ChildBehavior.Hang:
                    await Workflow.WaitConditionAsync(() => false);
                    break;
            }
            return "child done";
        }
    }

    private Task RunAsync(Func<WorkerContext, Task> body) =>
        fixture.RunAsync(o => o.AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>(), body);

    private static string ChildId() => $"child-{Guid.NewGuid():N}";

    [Theory]
    [InlineData(ChildBehavior.Complete, ParentMode.AwaitChild, "completed: child done")]
    [InlineData(ChildBehavior.Fail, ParentMode.AwaitChild, "child failed: ApplicationFailureException the child gave up")]
    [InlineData(ChildBehavior.Hang, ParentMode.CancelChild, "child failed: CanceledFailureException")]
    public async Task ExecuteChildWorkflowAsync_ChildEnds_ParentSeesTheOutcome(ChildBehavior behavior, ParentMode mode, string expected)
    {
        await RunAsync(async w =>
        {
            var result = await w.Client.ExecuteWorkflowAsync((ParentWorkflow wf) => wf.RunAsync(new(ChildId(), behavior, mode)), w.Options());
            result.Should().StartWith(expected);
        });
    }

    [Fact]
    public async Task ExecuteChildWorkflowAsync_ChildTimesOut_ParentSeesTimeout()
    {
        await RunAsync(async w =>
        {
            var plan = new ChildPlan(ChildId(), ChildBehavior.Hang, ParentMode.AwaitChild, ChildTimeout: TimeSpan.FromSeconds(1));
            var result = await w.Client.ExecuteWorkflowAsync((ParentWorkflow wf) => wf.RunAsync(plan), w.Options());
            result.Should().StartWith("child failed: TimeoutFailureException");
        });
    }

    [Fact]
    public async Task ExecuteChildWorkflowAsync_ChildTerminated_ParentSeesTermination()
    {
        await RunAsync(async w =>
        {
            var childId = ChildId();
            var parent = await w.Client.StartWorkflowAsync((ParentWorkflow wf) => wf.RunAsync(new(childId, ChildBehavior.Hang, ParentMode.AwaitChild)), w.Options());
            await Eventually.DescribeAsync(w.Client.GetWorkflowHandle(childId), d => d.Status == WorkflowExecutionStatus.Running);
            await w.Client.GetWorkflowHandle(childId).TerminateAsync("operator stopped it");

            (await parent.GetResultAsync()).Should().StartWith("child failed: TerminatedFailureException");
        });
    }

    [Fact]
    public async Task StartChildWorkflowAsync_IdAlreadyRunning_StartFailsInTheParent()
    {
        await RunAsync(async w =>
        {
            var childId = ChildId();
            var squatter = await w.Client.StartWorkflowAsync((ChildWorkflow wf) => wf.RunAsync(ChildBehavior.Hang), w.Options(childId));
            var result = await w.Client.ExecuteWorkflowAsync((ParentWorkflow wf) => wf.RunAsync(new(childId, ChildBehavior.Complete, ParentMode.AwaitChild)), w.Options());

            result.Should().Be("start failed: WorkflowAlreadyStartedException");
            await squatter.TerminateAsync();
        });
    }

    [Theory]
    [InlineData(ParentClosePolicy.Terminate, WorkflowExecutionStatus.Terminated)]
    [InlineData(ParentClosePolicy.RequestCancel, WorkflowExecutionStatus.Canceled)]
    [InlineData(ParentClosePolicy.Abandon, WorkflowExecutionStatus.Running)]
    public async Task ParentCompletes_ChildStillRunning_ParentClosePolicyApplied(ParentClosePolicy policy, WorkflowExecutionStatus expected)
    {
        await RunAsync(async w =>
        {
            var childId = ChildId();
            await w.Client.ExecuteWorkflowAsync((ParentWorkflow wf) => wf.RunAsync(new(childId, ChildBehavior.Hang, ParentMode.StartChildAndReturn, policy)), w.Options());

            var child = w.Client.GetWorkflowHandle(childId);
            var description = await Eventually.DescribeAsync(child, d => d.Status == expected);
            description.Status.Should().Be(expected);
            if (expected == WorkflowExecutionStatus.Running)
            {
                await child.TerminateAsync("test done");
            }
        });
    }
}
