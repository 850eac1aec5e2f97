using EasyParkPlus.TemporalConformance.Tests.Infrastructure;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Workflows;

namespace EasyParkPlus.TemporalConformance.Tests;

/// <summary>Markers recorded as sent (local activities, patches), and a workflow bug that fails only its workflow task.</summary>
[Collection(DevServerCollection.Name)]
public sealed class MarkersAndFailuresTests(DevServerFixture fixture)
{
    [Workflow]
    public sealed class PatchedWorkflow
    {
        [WorkflowRun]
        public async Task<string> RunAsync()
        {
            var price = await Workflow.ExecuteLocalActivityAsync(() => Pricing.Quote(3), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
            return Workflow.Patched("rounding-v2") ? $"v2:{price}" : $"v1:{price}";
        }
    }

    [Workflow]
    public sealed class BuggyWorkflow
    {
        [WorkflowRun]
        public async Task RunAsync()
        {
            await Workflow.DelayAsync(TimeSpan.FromMilliseconds(10));
            throw new InvalidOperationException("a bug in the workflow code");
        }
    }

    public static class Pricing
    {
        [Activity]
        public static int Quote(int hours) => hours * 300;
    }

    [Fact]
    public async Task LocalActivityAndPatch_RecordedAsMarkers_HistoryReplays()
    {
        await fixture.RunAsync(o => o.AddWorkflow<PatchedWorkflow>().AddActivity(Pricing.Quote), async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((PatchedWorkflow wf) => wf.RunAsync(), w.Options());

            (await handle.GetResultAsync()).Should().Be("v2:900");
            var markers = (await handle.FetchHistoryAsync()).Events.Where(e => e.EventType == EventType.MarkerRecorded)
                .Select(e => e.MarkerRecordedEventAttributes.MarkerName).ToList();
            markers.Should().Contain("core_local_activity").And.Contain("core_patch");
        });
    }

    [Fact]
    public async Task WorkflowThrowsNonTemporalException_OnlyTheWorkflowTaskFails_RunKeepsGoing()
    {
        await fixture.RunAsync(o => o.AddWorkflow<BuggyWorkflow>(), async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((BuggyWorkflow wf) => wf.RunAsync(), w.Options());

            var description = await Eventually.DescribeRawAsync(w.Client, handle.Id, d => d.PendingWorkflowTask?.Attempt >= 2);
            description.WorkflowExecutionInfo.Status.Should().Be(WorkflowExecutionStatus.Running);
            description.PendingWorkflowTask.Attempt.Should().BeGreaterThanOrEqualTo(2);
            var failed = (await handle.FetchHistoryAsync()).Events.Where(e => e.EventType == EventType.WorkflowTaskFailed).Should().ContainSingle().Subject;
            failed.WorkflowTaskFailedEventAttributes.Failure.Message.Should().Contain("a bug in the workflow code");
            failed.WorkflowTaskFailedEventAttributes.Cause.Should().Be(WorkflowTaskFailedCause.WorkflowWorkerUnhandledFailure);
            await handle.TerminateAsync("bug acknowledged");
        }, replay: false); // the bug would fail the replay too: that is the workflow's fault, not the history's
    }
}
