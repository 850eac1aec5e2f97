using EasyParkPlus.TemporalConformance.Tests.Infrastructure;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace EasyParkPlus.TemporalConformance.Tests;

/// <summary>Describe with pending work; history paged, long-polled and reversed.</summary>
[Collection(DevServerCollection.Name)]
public sealed class DescribeAndHistoryTests(DevServerFixture fixture)
{
    [Workflow]
    public sealed class BusyWorkflow
    {
        private int _signals;

        [WorkflowRun]
        public async Task RunAsync(int expectedSignals)
        {
            var child = await Workflow.StartChildWorkflowAsync((IdleWorkflow c) => c.RunAsync(), new() { Id = $"{Workflow.Info.WorkflowId}-child" });
            var flaky = Workflow.ExecuteActivityAsync(() => Flaky.FailAsync(), new()
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(10),
                RetryPolicy = new() { InitialInterval = TimeSpan.FromMinutes(10) },
            });
            await Workflow.WaitConditionAsync(() => _signals >= expectedSignals);
            _ = child;
            _ = flaky;
        }

        [WorkflowSignal]
        public Task PingAsync()
        {
            _signals++;
            return Task.CompletedTask;
        }
    }

    [Workflow]
    public sealed class IdleWorkflow
    {
        [WorkflowRun]
        public Task RunAsync() => Workflow.WaitConditionAsync(() => false);
    }

    public static class Flaky
    {
        [Activity]
        public static Task FailAsync() => throw new ApplicationFailureException("the printer is on fire", "PrinterOnFire");
    }

    private Task RunAsync(Func<WorkerContext, Task> body) =>
        fixture.RunAsync(o => o.AddWorkflow<BusyWorkflow>().AddWorkflow<IdleWorkflow>().AddActivity(Flaky.FailAsync), body);

    [Fact]
    public async Task DescribeAsync_PendingActivityAndChild_ShowsAttemptLastFailureAndChild()
    {
        await RunAsync(async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((BusyWorkflow wf) => wf.RunAsync(1), w.Options());

            var description = await Eventually.DescribeRawAsync(w.Client, handle.Id, d => d.PendingActivities.Any(a => a.Attempt >= 2));
            var activity = description.PendingActivities.Should().ContainSingle().Subject;
            activity.Attempt.Should().Be(2);
            activity.ActivityType.Name.Should().Be("Fail");
            activity.LastFailure.Message.Should().Be("the printer is on fire");
            activity.LastFailure.ApplicationFailureInfo.Type.Should().Be("PrinterOnFire");
            activity.State.Should().Be(PendingActivityState.Scheduled);
            var child = description.PendingChildren.Should().ContainSingle().Subject;
            child.WorkflowId.Should().Be($"{handle.Id}-child");
            child.WorkflowTypeName.Should().Be("IdleWorkflow");
            child.RunId.Should().NotBeEmpty();
            await handle.TerminateAsync();
        });
    }

    [Fact]
    public async Task GetWorkflowExecutionHistory_SmallPages_TogetherTheWholeDenseHistory()
    {
        await RunAsync(async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((BusyWorkflow wf) => wf.RunAsync(100), w.Options());
            for (var i = 0; i < 8; i++)
            {
                await handle.SignalAsync(wf => wf.PingAsync());
            }
            await handle.TerminateAsync();
            var whole = (await handle.FetchHistoryAsync()).Events.ToList();

            var paged = new List<HistoryEvent>();
            var request = new GetWorkflowExecutionHistoryRequest { Namespace = w.Client.Options.Namespace, Execution = new() { WorkflowId = handle.Id }, MaximumPageSize = 3 };
            var pages = 0;
            do
            {
                var page = await w.Client.Connection.WorkflowService.GetWorkflowExecutionHistoryAsync(request);
                page.History.Events.Count.Should().BeLessThanOrEqualTo(3);
                paged.AddRange(page.History.Events);
                request.NextPageToken = page.NextPageToken;
                pages++;
            }
            while (!request.NextPageToken.IsEmpty);

            pages.Should().BeGreaterThan(3);
            paged.Should().Equal(whole);
            paged.Select(e => e.EventId).Should().Equal(Enumerable.Range(1, paged.Count).Select(i => (long)i));
        });
    }

    [Fact]
    public async Task GetWorkflowExecutionHistoryReverse_SmallPages_NewestFirst()
    {
        await RunAsync(async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((BusyWorkflow wf) => wf.RunAsync(100), w.Options());
            for (var i = 0; i < 5; i++)
            {
                await handle.SignalAsync(wf => wf.PingAsync());
            }
            await handle.TerminateAsync();
            var whole = (await handle.FetchHistoryAsync()).Events.ToList();

            var reversed = new List<HistoryEvent>();
            var request = new GetWorkflowExecutionHistoryReverseRequest { Namespace = w.Client.Options.Namespace, Execution = new() { WorkflowId = handle.Id }, MaximumPageSize = 4 };
            do
            {
                var page = await w.Client.Connection.WorkflowService.GetWorkflowExecutionHistoryReverseAsync(request);
                reversed.AddRange(page.History.Events);
                request.NextPageToken = page.NextPageToken;
            }
            while (!request.NextPageToken.IsEmpty);

            reversed.Should().Equal(Enumerable.Reverse(whole));
            reversed[0].EventType.Should().Be(EventType.WorkflowExecutionTerminated);
        });
    }

    [Fact]
    public async Task FetchHistoryEventsAsync_WaitNewEvent_LongPollWakesOnTheNextEvent()
    {
        await RunAsync(async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((BusyWorkflow wf) => wf.RunAsync(100), w.Options());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var signaled = new TaskCompletionSource<HistoryEvent>();
            var follower = Task.Run(async () =>
            {
                await foreach (var e in handle.FetchHistoryEventsAsync(new() { WaitNewEvent = true }).WithCancellation(timeout.Token))
                {
                    if (e.EventType == EventType.WorkflowExecutionSignaled)
                    {
                        signaled.TrySetResult(e);
                        return;
                    }
                }
            });
            // The follower is now parked on a long poll; the signal must wake it.
            await Task.Delay(300);
            signaled.Task.IsCompleted.Should().BeFalse();
            await handle.SignalAsync(wf => wf.PingAsync());

            var e = await signaled.Task.WaitAsync(TimeSpan.FromSeconds(10));
            e.WorkflowExecutionSignaledEventAttributes.SignalName.Should().Be("Ping");
            await follower;
            await handle.TerminateAsync();
        });
    }
}
