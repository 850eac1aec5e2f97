using System.Collections.Concurrent;
using EasyParkPlus.TemporalConformance.Tests.Infrastructure;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace EasyParkPlus.TemporalConformance.Tests;

/// <summary>Activities: server-side retries, the four timeouts, heartbeats, cancellation, async completion.</summary>
[Collection(DevServerCollection.Name)]
public sealed class ActivityTests(DevServerFixture fixture)
{
    public enum Behavior
    {
        FailTwiceThenSucceed,
        AlwaysFail,
        FailWithNonRetryableType,
        FailNonRetryable,
        Hang,
        HeartbeatOnceThenHang,
        HeartbeatProgressThenFailOnce,
        HeartbeatUntilCanceled,
    }

    /// <summary>How the workflow runs the activity, and what came back.</summary>
    public sealed record Plan(Behavior Behavior, TimeSpan? StartToClose = null, TimeSpan? ScheduleToClose = null, TimeSpan? ScheduleToStart = null,
        TimeSpan? Heartbeat = null, int MaximumAttempts = 0, string? TaskQueue = null, bool CancelAfterStart = false);

    public sealed record Outcome(string? Result, string? Failure, string? Cause, TimeoutType? Timeout, RetryState? RetryState);

    [Workflow]
    public sealed class ActivityWorkflow
    {
        [WorkflowRun]
        public async Task<Outcome> RunAsync(Plan plan)
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
            var options = new ActivityOptions
            {
                StartToCloseTimeout = plan.StartToClose,
                ScheduleToCloseTimeout = plan.ScheduleToClose,
                ScheduleToStartTimeout = plan.ScheduleToStart,
                HeartbeatTimeout = plan.Heartbeat,
                TaskQueue = plan.TaskQueue,
                CancellationToken = cancel.Token,
                CancellationType = ActivityCancellationType.WaitCancellationCompleted,
                RetryPolicy = new()
                {
                    InitialInterval = TimeSpan.FromMilliseconds(200),
                    BackoffCoefficient = 2,
                    MaximumAttempts = plan.MaximumAttempts,
                    NonRetryableErrorTypes = ["NotWorthRetrying"],
                },
            };
            var activity = Workflow.ExecuteActivityAsync((Activities a) => a.RunAsync(plan.Behavior), options);
            if (plan.CancelAfterStart)
            {
                await Workflow.DelayAsync(TimeSpan.FromMilliseconds(500));
                // CancelAsync would run the cancellation off the workflow's scheduler, which the SDK refuses.
#pragma warning disable CA1849
                cancel.Cancel();
#pragma warning restore CA1849
            }
            try
            {
                return new Outcome(await activity, null, null, null, null);
            }
            catch (ActivityFailureException e)
            {
                return new Outcome(null, e.InnerException?.GetType().Name, e.InnerException?.InnerException?.GetType().Name,
                    (e.InnerException as TimeoutFailureException)?.TimeoutType, e.RetryState);
            }
        }
    }

    public sealed class Activities
    {
        public ConcurrentQueue<(int Attempt, DateTime At, string? Progress)> Attempts { get; } = new();

        [Activity]
        public async Task<string> RunAsync(Behavior behavior)
        {
            var context = ActivityExecutionContext.Current;
            var attempt = context.Info.Attempt;
            var progress = context.Info.HeartbeatDetails.Count > 0 ? await context.Info.HeartbeatDetailAtAsync<string>(0) : null;
            Attempts.Enqueue((attempt, DateTime.UtcNow, progress));
            switch (behavior)
            {
                case Behavior.FailTwiceThenSucceed when attempt < 3:
                case Behavior.AlwaysFail:
                    throw new ApplicationFailureException($"attempt {attempt} failed", "Flaky");
                case Behavior.FailWithNonRetryableType:
                    throw new ApplicationFailureException("do not retry", "NotWorthRetrying");
                case Behavior.FailNonRetryable:
                    throw new ApplicationFailureException("do not retry either", "Whatever", nonRetryable: true);
                case Behavior.Hang:
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                    break;
                case Behavior.HeartbeatOnceThenHang:
                    context.Heartbeat();
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                    break;
                case Behavior.HeartbeatProgressThenFailOnce when attempt == 1:
                    context.Heartbeat("progress-5");
                    // Heartbeats are throttled by the SDK; the failure carries the last details anyway.
                    throw new ApplicationFailureException("failed after making progress", "Flaky");
                case Behavior.HeartbeatUntilCanceled:
                    while (true)
                    {
                        context.Heartbeat();
                        await Task.Delay(100, context.CancellationToken);
                    }
            }
            return $"done on attempt {attempt}, resumed from {progress ?? "nothing"}";
        }
    }

    private Task RunAsync(Activities activities, Func<WorkerContext, Task> body) =>
        fixture.RunAsync(o => o.AddWorkflow<ActivityWorkflow>().AddAllActivities(activities), body);

    [Fact]
    public async Task ExecuteActivityAsync_FailsTwice_RetriedByTheServerWithBackoff()
    {
        var activities = new Activities();
        await RunAsync(activities, async w =>
        {
            var plan = new Plan(Behavior.FailTwiceThenSucceed, StartToClose: TimeSpan.FromSeconds(10));
            var handle = await w.Client.StartWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(plan), w.Options());
            var outcome = await handle.GetResultAsync();

            outcome.Result.Should().Be("done on attempt 3, resumed from nothing");
            var attempts = activities.Attempts.ToArray();
            attempts.Select(a => a.Attempt).Should().Equal(1, 2, 3);
            (attempts[1].At - attempts[0].At).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(190));
            (attempts[2].At - attempts[1].At).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(390));
            // The history shows only the last attempt: its started event carries the attempt and the last failure.
            var history = await handle.FetchHistoryAsync();
            var started = history.Events.Where(e => e.EventType == EventType.ActivityTaskStarted).Should().ContainSingle().Subject;
            started.ActivityTaskStartedEventAttributes.Attempt.Should().Be(3);
            started.ActivityTaskStartedEventAttributes.LastFailure.Message.Should().Be("attempt 2 failed");
        });
    }

    [Fact]
    public async Task ExecuteActivityAsync_AlwaysFails_StopsAtMaximumAttempts()
    {
        var activities = new Activities();
        await RunAsync(activities, async w =>
        {
            var plan = new Plan(Behavior.AlwaysFail, StartToClose: TimeSpan.FromSeconds(10), MaximumAttempts: 3);
            var outcome = await w.Client.ExecuteWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(plan), w.Options());

            outcome.Failure.Should().Be(nameof(ApplicationFailureException));
            outcome.RetryState.Should().Be(RetryState.MaximumAttemptsReached);
            activities.Attempts.Select(a => a.Attempt).Should().Equal(1, 2, 3);
        });
    }

    [Theory]
    [InlineData(Behavior.FailWithNonRetryableType)]
    [InlineData(Behavior.FailNonRetryable)]
    public async Task ExecuteActivityAsync_NonRetryableFailure_NotRetried(Behavior behavior)
    {
        var activities = new Activities();
        await RunAsync(activities, async w =>
        {
            var plan = new Plan(behavior, StartToClose: TimeSpan.FromSeconds(10));
            var outcome = await w.Client.ExecuteWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(plan), w.Options());

            outcome.Failure.Should().Be(nameof(ApplicationFailureException));
            outcome.RetryState.Should().Be(RetryState.NonRetryableFailure);
            activities.Attempts.Should().ContainSingle();
        });
    }

    [Fact]
    public async Task ExecuteActivityAsync_StartToCloseTimeout_RetriedThenTimedOut()
    {
        var activities = new Activities();
        await RunAsync(activities, async w =>
        {
            var plan = new Plan(Behavior.Hang, StartToClose: TimeSpan.FromSeconds(1), MaximumAttempts: 2);
            var outcome = await w.Client.ExecuteWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(plan), w.Options());

            outcome.Failure.Should().Be(nameof(TimeoutFailureException));
            outcome.Timeout.Should().Be(TimeoutType.StartToClose);
            outcome.RetryState.Should().Be(RetryState.MaximumAttemptsReached);
            activities.Attempts.Select(a => a.Attempt).Should().Equal(1, 2);
        });
    }

    [Fact]
    public async Task ExecuteActivityAsync_HeartbeatsStop_HeartbeatTimeout()
    {
        var activities = new Activities();
        await RunAsync(activities, async w =>
        {
            var plan = new Plan(Behavior.HeartbeatOnceThenHang, StartToClose: TimeSpan.FromSeconds(30), Heartbeat: TimeSpan.FromSeconds(1), MaximumAttempts: 1);
            var outcome = await w.Client.ExecuteWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(plan), w.Options());

            outcome.Failure.Should().Be(nameof(TimeoutFailureException));
            outcome.Timeout.Should().Be(TimeoutType.Heartbeat);
        });
    }

    [Fact]
    public async Task ExecuteActivityAsync_RunsPastScheduleToClose_ScheduleToCloseTimeout()
    {
        var activities = new Activities();
        await RunAsync(activities, async w =>
        {
            var plan = new Plan(Behavior.Hang, StartToClose: TimeSpan.FromSeconds(30), ScheduleToClose: TimeSpan.FromSeconds(1));
            var outcome = await w.Client.ExecuteWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(plan), w.Options());

            outcome.Failure.Should().Be(nameof(TimeoutFailureException));
            outcome.Timeout.Should().Be(TimeoutType.ScheduleToClose);
        });
    }

    [Fact]
    public async Task ExecuteActivityAsync_NoWorkerOnItsQueue_ScheduleToStartTimeout()
    {
        var activities = new Activities();
        await RunAsync(activities, async w =>
        {
            var plan = new Plan(Behavior.Hang, StartToClose: TimeSpan.FromSeconds(30), ScheduleToStart: TimeSpan.FromSeconds(1), TaskQueue: $"nobody-{Guid.NewGuid():N}");
            var outcome = await w.Client.ExecuteWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(plan), w.Options());

            outcome.Failure.Should().Be(nameof(TimeoutFailureException));
            outcome.Timeout.Should().Be(TimeoutType.ScheduleToStart);
            activities.Attempts.Should().BeEmpty();
        });
    }

    [Fact]
    public async Task ExecuteActivityAsync_AttemptHeartbeatedProgress_NextAttemptResumesFromIt()
    {
        var activities = new Activities();
        await RunAsync(activities, async w =>
        {
            var plan = new Plan(Behavior.HeartbeatProgressThenFailOnce, StartToClose: TimeSpan.FromSeconds(10), Heartbeat: TimeSpan.FromSeconds(5));
            var outcome = await w.Client.ExecuteWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(plan), w.Options());

            outcome.Result.Should().Be("done on attempt 2, resumed from progress-5");
        });
    }

    [Fact]
    public async Task ExecuteActivityAsync_WorkflowCancelsIt_HeartbeatDeliversCancellation()
    {
        var activities = new Activities();
        await RunAsync(activities, async w =>
        {
            var plan = new Plan(Behavior.HeartbeatUntilCanceled, StartToClose: TimeSpan.FromSeconds(30), Heartbeat: TimeSpan.FromSeconds(2), CancelAfterStart: true);
            var handle = await w.Client.StartWorkflowAsync((ActivityWorkflow wf) => wf.RunAsync(plan), w.Options());
            var outcome = await handle.GetResultAsync();

            outcome.Failure.Should().Be(nameof(CanceledFailureException));
            var types = (await handle.FetchHistoryAsync()).Events.Select(e => e.EventType).ToList();
            types.Should().ContainInOrder(EventType.ActivityTaskScheduled, EventType.ActivityTaskCancelRequested, EventType.ActivityTaskStarted, EventType.ActivityTaskCanceled);
        });
    }
}
