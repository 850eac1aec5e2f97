using System.Diagnostics;
using EasyParkPlus.TemporalConformance.Tests.Infrastructure;
using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Workflows;

namespace EasyParkPlus.TemporalConformance.Tests;

/// <summary>Time skipping through the SDK's own API, against our server started as the test server.</summary>
[Collection(TimeSkippingCollection.Name)]
public sealed class TimeSkippingTests(TimeSkippingFixture fixture)
{
    [Workflow]
    public sealed class GreetThenWaitWorkflow
    {
        [WorkflowRun]
        public async Task<GreetingResult> RunAsync(string name, TimeSpan wait)
        {
            var greeting = await Workflow.ExecuteActivityAsync(() => Greetings.Greet(name), new() { StartToCloseTimeout = TimeSpan.FromMinutes(1) });
            var before = Workflow.UtcNow;
            await Workflow.DelayAsync(wait);
            return new(greeting, Workflow.UtcNow - before);
        }
    }

    public sealed record GreetingResult(string Greeting, TimeSpan Waited);

    [Workflow]
    public sealed class GraceWorkflow
    {
        private bool _arrived;

        [WorkflowRun]
        public async Task<GraceResult> RunAsync()
        {
            var start = Workflow.UtcNow;
            var arrived = await Workflow.WaitConditionAsync(() => _arrived, TimeSpan.FromMinutes(15));
            return new(arrived, Workflow.UtcNow - start);
        }

        [WorkflowSignal]
        public Task ArriveAsync()
        {
            _arrived = true;
            return Task.CompletedTask;
        }
    }

    public sealed record GraceResult(bool Arrived, TimeSpan Waited);

    [Workflow]
    public sealed class SlowRetryWorkflow
    {
        [WorkflowRun]
        public async Task<TimeSpan> RunAsync()
        {
            var start = Workflow.UtcNow;
            await Workflow.ExecuteActivityAsync(() => Unreliable.CallAsync(), new()
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(1),
                RetryPolicy = new() { InitialInterval = TimeSpan.FromHours(1), BackoffCoefficient = 2, MaximumAttempts = 3 },
            });
            return Workflow.UtcNow - start;
        }
    }

    public static class Unreliable
    {
        // Attempt 1 times out (it outlives its 1 s start-to-close), attempt 2 fails, attempt 3 succeeds.
        [Activity]
        public static async Task CallAsync()
        {
            var info = ActivityExecutionContext.Current.Info;
            if (info.Attempt == 1)
            {
                await Task.Delay(Timeout.Infinite, ActivityExecutionContext.Current.CancellationToken);
            }
            if (info.Attempt == 2)
            {
                throw new InvalidOperationException("still down");
            }
        }
    }

    [Workflow]
    public sealed class DailyStepsWorkflow
    {
        [WorkflowRun]
        public async Task<List<TimeSpan>> RunAsync(int days)
        {
            var start = Workflow.UtcNow;
            var stamps = new List<TimeSpan>();
            for (var day = 0; day < days; day++)
            {
                await Workflow.ExecuteActivityAsync(() => Greetings.Greet("day"), new() { StartToCloseTimeout = TimeSpan.FromMinutes(1) });
                await Workflow.DelayAsync(TimeSpan.FromDays(1));
                stamps.Add(Workflow.UtcNow - start);
            }
            return stamps;
        }
    }

    /// <summary>Where a chain of runs began, how many runs are left, and when (since the beginning) each run started.</summary>
    public sealed record Chain(DateTime Origin, int RunsLeft, List<TimeSpan> RunStarts)
    {
        public static Chain Of(int runs) => new(default, runs, []);
    }

    [Workflow]
    public sealed class DailyChainWorkflow
    {
        [WorkflowRun]
        public async Task<Chain> RunAsync(Chain chain)
        {
            var origin = chain.Origin == default ? Workflow.UtcNow : chain.Origin;
            var started = await Workflow.ExecuteActivityAsync(() => Stamps.ScheduledAt(), new() { StartToCloseTimeout = TimeSpan.FromMinutes(1) });
            var next = chain with { Origin = origin, RunsLeft = chain.RunsLeft - 1, RunStarts = [.. chain.RunStarts, started - origin] };
            if (next.RunsLeft == 0)
            {
                return next;
            }
            await Workflow.DelayAsync(TimeSpan.FromDays(1));
            throw Workflow.CreateContinueAsNewException((DailyChainWorkflow wf) => wf.RunAsync(next));
        }
    }

    public static class Stamps
    {
        /// <summary>When the server scheduled this attempt, on its clock.</summary>
        [Activity]
        public static DateTime ScheduledAt() => ActivityExecutionContext.Current.Info.CurrentAttemptScheduledTime;
    }

    public static class Greetings
    {
        [Activity]
        public static string Greet(string name) => $"Hello, {name}";
    }

    [TimeSkippingFact]
    public async Task ExecuteWorkflowAsync_ActivityThenThirtyDayTimer_CompletesInUnderASecond()
    {
        await fixture.RunAsync(o => o.AddWorkflow<GreetThenWaitWorkflow>().AddActivity(Greetings.Greet), async w =>
        {
            // A first run warms up both processes (JIT), so the measured one times the server, not start-up.
            await w.Client.ExecuteWorkflowAsync((GreetThenWaitWorkflow wf) => wf.RunAsync("warm-up", TimeSpan.FromSeconds(1)), w.Options());
            var stopwatch = Stopwatch.StartNew();
            var result = await w.Client.ExecuteWorkflowAsync((GreetThenWaitWorkflow wf) => wf.RunAsync("parker", TimeSpan.FromDays(30)), w.Options());
            stopwatch.Stop();

            result.Greeting.Should().Be("Hello, parker");
            // Workflow time moves with real time while a task is out, so the timer's task sees a little more.
            result.Waited.Should().BeCloseTo(TimeSpan.FromDays(30), TimeSpan.FromSeconds(5)).And.BeGreaterThanOrEqualTo(TimeSpan.FromDays(30));
            stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        });
    }

    [TimeSkippingFact]
    public async Task DelayAsync_OneDay_GetCurrentTimeMovesByThatDay()
    {
        var env = fixture.Environment!;
        var before = await env.GetCurrentTimeAsync();
        var stopwatch = Stopwatch.StartNew();
        await env.DelayAsync(TimeSpan.FromDays(1));
        stopwatch.Stop();
        var after = await env.GetCurrentTimeAsync();

        (after - before).Should().BeCloseTo(TimeSpan.FromDays(1), TimeSpan.FromSeconds(5)).And.BeGreaterThanOrEqualTo(TimeSpan.FromDays(1));
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
    }

    [TimeSkippingFact]
    public async Task WaitConditionAsync_FifteenMinutesWithoutSignal_TimesOutAtFifteenMinutesOfWorkflowTime()
    {
        await fixture.RunAsync(o => o.AddWorkflow<GraceWorkflow>(), async w =>
        {
            var result = await w.Client.ExecuteWorkflowAsync((GraceWorkflow wf) => wf.RunAsync(), w.Options());

            result.Arrived.Should().BeFalse();
            result.Waited.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMinutes(15)).And.BeLessThan(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(5));
        });
    }

    [TimeSkippingFact]
    public async Task WaitConditionAsync_SignalBeforeTheDeadline_ArrivesWithoutWaitingItOut()
    {
        await fixture.RunAsync(o => o.AddWorkflow<GraceWorkflow>(), async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((GraceWorkflow wf) => wf.RunAsync(), w.Options());
            await handle.SignalAsync(wf => wf.ArriveAsync());

            var result = await handle.GetResultAsync();
            result.Arrived.Should().BeTrue();
            result.Waited.Should().BeLessThan(TimeSpan.FromMinutes(1));
        });
    }

    [TimeSkippingFact]
    public async Task ExecuteActivityAsync_TimeoutThenFailureWithHourLongBackoff_RunsOnTheVirtualClock()
    {
        await fixture.RunAsync(o => o.AddWorkflow<SlowRetryWorkflow>().AddActivity(Unreliable.CallAsync), async w =>
        {
            var stopwatch = Stopwatch.StartNew();
            var elapsed = await w.Client.ExecuteWorkflowAsync((SlowRetryWorkflow wf) => wf.RunAsync(), w.Options());
            stopwatch.Stop();

            // One start-to-close timeout (1 s, real time: the attempt is out), then backoffs of 1 h and 2 h, skipped.
            elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromHours(3)).And.BeLessThan(TimeSpan.FromHours(3) + TimeSpan.FromMinutes(1));
            stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15));
        });
    }

    // A run's new timer must be on the clock before its workflow task lets go of time skipping: the client's sleep
    // (a later timer) must not be reached first.
    [TimeSkippingFact]
    public async Task DelayAsync_WorkflowStartsTimersDuringTheSleep_EachFiresOnItsDay()
    {
        await fixture.RunAsync(o => o.AddWorkflow<DailyStepsWorkflow>().AddActivity(Greetings.Greet), async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((DailyStepsWorkflow wf) => wf.RunAsync(3), w.Options());
            await fixture.Environment!.DelayAsync(TimeSpan.FromDays(3.5));

            var stamps = await handle.GetResultAsync();
            stamps.Should().HaveCount(3);
            for (var day = 0; day < 3; day++)
            {
                stamps[day].Should().BeCloseTo(TimeSpan.FromDays(day + 1), TimeSpan.FromSeconds(5), $"timer {day + 1} fires a day after the one before");
            }
        });
    }

    // The new run's first workflow task goes to the worker at once (not after a sticky queue's timeout), and holds
    // time skipping from the commit that closes the old run.
    [TimeSkippingFact]
    public async Task DelayAsync_WorkflowContinuesAsNewDuringTheSleep_EachRunStartsOnItsDay()
    {
        await fixture.RunAsync(o => o.AddWorkflow<DailyChainWorkflow>().AddActivity(Stamps.ScheduledAt), async w =>
        {
            var handle = await w.Client.StartWorkflowAsync((DailyChainWorkflow wf) => wf.RunAsync(Chain.Of(3)), w.Options());
            await fixture.Environment!.DelayAsync(TimeSpan.FromDays(2.5));

            var chain = await handle.GetResultAsync();
            chain.RunStarts.Should().HaveCount(3);
            for (var run = 0; run < 3; run++)
            {
                chain.RunStarts[run].Should().BeCloseTo(TimeSpan.FromDays(run), TimeSpan.FromSeconds(5), $"run {run + 1} starts {run} day(s) after the first");
            }
        });
    }

    [TimeSkippingFact]
    public async Task GetResultAsync_WorkflowContinuesAsNewEveryDay_EachRunStartsOnItsDay()
    {
        await fixture.RunAsync(o => o.AddWorkflow<DailyChainWorkflow>().AddActivity(Stamps.ScheduledAt), async w =>
        {
            var chain = await w.Client.ExecuteWorkflowAsync((DailyChainWorkflow wf) => wf.RunAsync(Chain.Of(3)), w.Options());

            chain.RunStarts.Should().HaveCount(3);
            for (var run = 0; run < 3; run++)
            {
                chain.RunStarts[run].Should().BeCloseTo(TimeSpan.FromDays(run), TimeSpan.FromSeconds(5), $"run {run + 1} starts {run} day(s) after the first");
            }
        });
    }

    // The port saw a signal-with-start on the test server start the run without its signal (SERVER-GAPS 3).
    [TimeSkippingFact]
    public async Task SignalWithStart_NewWorkflowOnTheTestServer_FirstTaskSeesTheSignal()
    {
        await fixture.RunAsync(o => o.AddWorkflow<GraceWorkflow>(), async w =>
        {
            var options = w.Options();
            options.SignalWithStart((GraceWorkflow wf) => wf.ArriveAsync());
            var handle = await w.Client.StartWorkflowAsync((GraceWorkflow wf) => wf.RunAsync(), options);

            (await handle.GetResultAsync()).Should().Be(new GraceResult(true, TimeSpan.Zero));
            var events = (await handle.FetchHistoryAsync()).Events.ToList();
            events[1].EventType.Should().Be(Temporalio.Api.Enums.V1.EventType.WorkflowExecutionSignaled);
        });
    }

    [OwnServerFact]
    public async Task StartLocalAsync_ExistingPath_RunsAsTheDevServer()
    {
        await using var env = await StartLocalWithRetriesAsync();
        using var worker = new Temporalio.Worker.TemporalWorker(env.Client, new Temporalio.Worker.TemporalWorkerOptions("local").AddWorkflow<GraceWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((GraceWorkflow wf) => wf.RunAsync(), new($"local-{Guid.NewGuid():N}", "local"));
            await handle.SignalAsync(wf => wf.ArriveAsync());
            (await handle.GetResultAsync()).Arrived.Should().BeTrue();
        });
        env.SupportsTimeSkipping.Should().BeFalse();
    }

    // The SDK gives the server it launches a fixed 5 s to answer, which a start can miss on a machine busy with builds.
    private static async Task<Temporalio.Testing.WorkflowEnvironment> StartLocalWithRetriesAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await Temporalio.Testing.WorkflowEnvironment.StartLocalAsync(new()
                {
                    DevServerOptions = new() { ExistingPath = EasyParkPlus.TestSupport.TemporalServerExecutable.Path },
                });
            }
            catch (InvalidOperationException e) when (attempt < 5 && e.Message.Contains("did not start within", StringComparison.Ordinal))
            {
            }
        }
    }
}
