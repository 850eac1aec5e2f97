using System.Diagnostics;
using EasyParkPlus.Engine.Store;
using EasyParkPlus.Engine.Testing;

namespace EasyParkPlus.Engine.Tests.Behaviour;

/// <summary>
/// The engine's behaviour, written once and run against every store (in memory and PostgreSQL), so the two
/// cannot drift. Everything runs under the virtual clock of the test environment.
/// </summary>
public abstract class EngineBehaviourSuite
{
    protected const string Queue = "test";

    protected abstract Task<IWorkflowStore> CreateStoreAsync();

    // How much wall time a month of virtual time may take: well under a second in memory (the test environment's
    // promise); against PostgreSQL every step is a real commit, which a loaded 2-core machine can slow several-fold.
    protected virtual TimeSpan WallTimeForAMonth => TimeSpan.FromSeconds(1);

    /// <param name="eagerSignals">Whether signals to runs cached here commit together with their reaction (the default) or go through the store's signal and a claimed workflow task.</param>
    /// <param name="wrapStore">Wraps the store the engine sees (e.g. to record its calls).</param>
    protected async Task<(WorkflowTestEnvironment Env, StepActivities Activities)> StartAsync(bool eagerSignals = true, Func<IWorkflowStore, IWorkflowStore>? wrapStore = null)
    {
        var activities = new StepActivities();
        var store = await CreateStoreAsync();
        var env = WorkflowTestEnvironment.Create(b => b
            .AddWorkflow<ThreeSteps>().AddWorkflow<Collector>().AddWorkflow<LongWait>().AddWorkflow<Retrying>()
            .AddWorkflow<RetryingUntilExhausted>().AddWorkflow<Rejecting>().AddWorkflow<Heartbeating>().AddWorkflow<ChargeThenWait>()
            .AddWorkflow<Child>().AddWorkflow<Parent>().AddWorkflow<Counter>().AddWorkflow<Failing>().AddWorkflow<Ledger>().AddWorkflow<Fragile>()
            .AddSingletonActivities<IStepActivities>(activities), wrapStore?.Invoke(store) ?? store, taskQueue: Queue, configureEngine: o =>
            {
                o.SuggestContinueAsNewAfterEvents = 40;
                o.EagerSignals = eagerSignals;
            });
        return (env, activities);
    }

    /// <summary>A client in another process (no worker, nothing cached): its signals go through the store.</summary>
    private static WorkflowClient OtherProcessClient(WorkflowTestEnvironment env)
    {
        var registry = new EasyParkPlus.Engine.Runtime.WorkflowRegistry();
        registry.AddWorkflow(typeof(Collector));
        return new WorkflowClient(env.Store, registry, env.Time, null, new EasyParkPlus.Engine.Hosting.WorkflowEngineOptions(), runtime: null);
    }

    private static WorkflowOptions Options(string id) => new(id, Queue);

    [Fact]
    public async Task ThreeActivities_RunInOrder_AndHistoryRecordsEachStep()
    {
        var (env, activities) = await StartAsync();
        await using var _ = env;

        var handle = await env.Client.StartWorkflowAsync((ThreeSteps wf) => wf.RunAsync("go"), Options("three-1"));
        var result = await handle.GetResultAsync();

        Assert.Equal("go!!!", result);
        Assert.Equal(["go", "go!", "go!!"], activities.Calls.Select(c => c.Detail));
        var history = await handle.FetchHistoryAsync();
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(e => e.EventId));
        Assert.Equal(3, history.Count(e => e.Attributes is ActivityTaskScheduled));
        Assert.Equal(3, history.Count(e => e.Attributes is ActivityTaskCompleted));
        Assert.IsType<WorkflowExecutionCompleted>(history[^1].Attributes);
        foreach (var completed in history.Where(e => e.Attributes is ActivityTaskCompleted).Select(e => (ActivityTaskCompleted)e.Attributes))
        {
            Assert.IsType<ActivityTaskScheduled>(history[(int)completed.ScheduledEventId - 1].Attributes);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Signals_AreDeliveredInOrder_AndQueriesSeeTheState(bool eagerSignals)
    {
        var (env, _) = await StartAsync(eagerSignals);
        await using var __ = env;

        var handle = await env.Client.StartWorkflowAsync((Collector wf) => wf.RunAsync("ops"), Options("collector-1"));
        await handle.SignalAsync(wf => wf.AddAsync("a"));
        await handle.SignalAsync(wf => wf.AddAsync("b"));

        Assert.Equal(["a", "b"], await handle.QueryAsync(wf => wf.Items));
        Assert.Equal("now: 2 item(s)", await handle.QueryAsync(wf => wf.Describe("now")));

        await handle.SignalAsync(wf => wf.CloseAsync());
        Assert.Equal("a,b", await handle.GetResultAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Signal_WithRepeatedRequestId_IsDeliveredOnce(bool eagerSignals)
    {
        var (env, _) = await StartAsync(eagerSignals);
        await using var __ = env;
        var handle = await env.Client.StartWorkflowAsync((Collector wf) => wf.RunAsync("ops"), Options("collector-dedupe"));

        await handle.SignalAsync(wf => wf.AddAsync("x"), requestId: "gate-7/event-1");
        await handle.SignalAsync(wf => wf.AddAsync("x"), requestId: "gate-7/event-1");
        await handle.SignalAsync(wf => wf.AddAsync("y"), requestId: "gate-7/event-2");

        Assert.Equal(["x", "y"], await handle.QueryAsync(wf => wf.Items));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Signal_UnknownName_IsRefusedAndChangesNothing(bool eagerSignals)
    {
        var (env, _) = await StartAsync(eagerSignals);
        await using var __ = env;
        var handle = await env.Client.StartWorkflowAsync((Collector wf) => wf.RunAsync("ops"), Options("collector-unknown"));
        var before = (await handle.FetchHistoryAsync()).Count;

        await Assert.ThrowsAsync<WorkflowInvalidArgumentException>(() => handle.SignalAsync("NoSuchSignal", []));

        Assert.Equal(before, (await handle.FetchHistoryAsync()).Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Signal_ToARunCachedHere_CommitsTogetherWithItsReaction_OnlyWhenEager(bool eagerSignals)
    {
        RecordingStore recorder = null!;
        var (env, _) = await StartAsync(eagerSignals, store =>
        {
            (var recording, recorder) = RecordingStore.Wrap(store);
            return recording;
        });
        await using var __ = env;
        var handle = await env.Client.StartWorkflowAsync((Collector wf) => wf.RunAsync("ops"), Options("collector-eager"));
        await handle.SignalAsync(wf => wf.AddAsync("a"));
        recorder.Clear();

        await handle.SignalAsync(wf => wf.CloseAsync(), requestId: "close-1");

        var commit = Assert.Single(recorder.Commits);
        if (eagerSignals)
        {
            // One write: the signal, the workflow task it triggered and the close, with no claim or history read.
            Assert.Equal(0, recorder.Count(nameof(IWorkflowStore.SignalWorkflowAsync)));
            Assert.Equal(0, recorder.Count(nameof(IWorkflowStore.ReadHistoryAsync)));
            Assert.Null(commit.WorkflowTaskClaimToken);
            Assert.Equal("close-1", commit.SignalRequestId);
            Assert.Equal(["WorkflowExecutionSignaled", "WorkflowTaskCompleted", "WorkflowExecutionCompleted"], commit.Events.Select(e => e.EventType));
        }
        else
        {
            // The claim brought the signal event along with the workflow task: no separate history read either.
            Assert.Equal(1, recorder.Count(nameof(IWorkflowStore.SignalWorkflowAsync)));
            Assert.Equal(0, recorder.Count(nameof(IWorkflowStore.ReadHistoryAsync)));
            Assert.NotNull(commit.WorkflowTaskClaimToken);
            Assert.Equal(["WorkflowTaskCompleted", "WorkflowExecutionCompleted"], commit.Events.Select(e => e.EventType));
        }
        Assert.Equal("a", await handle.GetResultAsync());
        var history = await handle.FetchHistoryAsync();
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(e => e.EventId));
        Assert.Equal(2, history.Count(e => e.Attributes is WorkflowExecutionSignaled));
    }

    [Fact]
    public async Task Signal_ToACachedRunWhoseHistoryMovedOn_FallsBackToTheStore_AndEverySignalLandsOnce()
    {
        RecordingStore recorder = null!;
        var (env, _) = await StartAsync(wrapStore: store =>
        {
            (var recording, recorder) = RecordingStore.Wrap(store);
            return recording;
        });
        await using var __ = env;
        var handle = await env.Client.StartWorkflowAsync((Collector wf) => wf.RunAsync("ops"), Options("collector-stale"));

        // Another process signals first: the instance cached here is now one event behind the store.
        await OtherProcessClient(env).GetWorkflowHandle<Collector>("collector-stale").SignalAsync(wf => wf.AddAsync("from elsewhere"));
        recorder.Clear();
        await handle.SignalAsync(wf => wf.AddAsync("from here"), requestId: "here-1");
        // The repeat finds the instance up to date again, but the request id already recorded refuses the eager commit.
        await handle.SignalAsync(wf => wf.AddAsync("from here"), requestId: "here-1");

        // Both eager attempts were refused by the store's guards and went through the store's idempotent signal instead.
        Assert.Equal(2, recorder.Commits.Count(c => c.SignalRequestId == "here-1"));
        Assert.Equal(2, recorder.Count(nameof(IWorkflowStore.SignalWorkflowAsync)));
        Assert.Equal(["from elsewhere", "from here"], await handle.QueryAsync(wf => wf.Items));
        var history = await handle.FetchHistoryAsync();
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(e => e.EventId));
        Assert.Equal(2, history.Count(e => e.Attributes is WorkflowExecutionSignaled));
    }

    [Fact]
    public async Task EvictedRunWithALongHistory_IsReplayedFromTheStore_WhenItsClaimBringsTooFewEvents()
    {
        RecordingStore recorder = null!;
        var (env, _) = await StartAsync(wrapStore: store =>
        {
            (var recording, recorder) = RecordingStore.Wrap(store);
            return recording;
        });
        await using var __ = env;
        var handle = await env.Client.StartWorkflowAsync((Collector wf) => wf.RunAsync("ops"), Options("collector-long"));
        var items = Enumerable.Range(1, 12).Select(i => $"item-{i}").ToList();
        foreach (var item in items)
        {
            await handle.SignalAsync(wf => wf.AddAsync(item));
        }

        // A signal from elsewhere makes the next eager signal conflict, which evicts the instance cached here.
        await OtherProcessClient(env).GetWorkflowHandle<Collector>("collector-long").SignalAsync(wf => wf.AddAsync("from elsewhere"));
        recorder.Clear();
        await handle.SignalAsync(wf => wf.AddAsync("last"));

        Assert.True(recorder.Count(nameof(IWorkflowStore.ReadHistoryAsync)) >= 1, "the evicted run was not replayed from a full history read");
        Assert.Equal([.. items, "from elsewhere", "last"], await handle.QueryAsync(wf => wf.Items));
        Assert.True((await handle.FetchHistoryAsync()).Count > 2 * EasyParkPlus.Engine.Store.WorkflowTaskClaim.RecentEventCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Signal_WhoseHandlerThrows_IsStillRecorded_AndFailsTheWorkflowTaskVisibly(bool eagerSignals)
    {
        var (env, _) = await StartAsync(eagerSignals);
        await using var __ = env;
        var handle = await env.Client.StartWorkflowAsync((Fragile wf) => wf.RunAsync(), Options("fragile-1"));

        await handle.SignalAsync(wf => wf.BreakAsync());

        var history = await handle.FetchHistoryAsync();
        Assert.Equal("Break", Assert.IsType<WorkflowExecutionSignaled>(history[^1].Attributes).SignalName);
        var described = await env.Client.DescribeWorkflowAsync("fragile-1");
        Assert.Equal(WorkflowStatus.Running, described.Execution.Status);
        Assert.Contains("bug in the signal handler", described.LastWorkflowTaskFailure?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThirtyDayTimerThenFifteenMinuteGrace_CompletesInVirtualTime_WellUnderASecond()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;
        var start = env.Time.GetUtcNow();
        var wall = Stopwatch.StartNew();

        var handle = await env.Client.StartWorkflowAsync((LongWait wf) => wf.RunAsync(TimeSpan.FromDays(30), TimeSpan.FromMinutes(15)), Options("long-1"));
        var result = await handle.GetResultAsync();

        wall.Stop();
        Assert.Equal(start + TimeSpan.FromDays(30), result.WokeAt);
        Assert.False(result.Arrived);
        Assert.Equal(start + TimeSpan.FromDays(30) + TimeSpan.FromMinutes(15), result.DecidedAt);
        Assert.True(wall.Elapsed < WallTimeForAMonth, $"took {wall.Elapsed.TotalMilliseconds:0} ms of wall time");
    }

    [Fact]
    public async Task WaitCondition_SignalBeforeTimeout_ReturnsTrueAndCancelsTheTimer()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;
        var start = env.Time.GetUtcNow();
        var handle = await env.Client.StartWorkflowAsync((LongWait wf) => wf.RunAsync(TimeSpan.FromHours(1), TimeSpan.FromMinutes(15)), Options("long-2"));

        await env.SkipTimeAsync(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(10));
        await handle.SignalAsync(wf => wf.ArriveAsync());
        var result = await handle.GetResultAsync();

        Assert.True(result.Arrived);
        Assert.Equal(start + TimeSpan.FromMinutes(70), result.DecidedAt);
        Assert.Contains(await handle.FetchHistoryAsync(), e => e.Attributes is TimerCanceled);
    }

    [Fact]
    public async Task FlakyActivity_IsRetriedWithExponentialBackoff()
    {
        var (env, activities) = await StartAsync();
        await using var __ = env;

        var attempt = await env.Client.ExecuteWorkflowAsync((Retrying wf) => wf.RunAsync(4), Options("retry-1"));

        Assert.Equal(5, attempt);
        var times = activities.Calls.Where(c => c.Activity == "Flaky").Select(c => c.At).ToList();
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5)], gaps);
        var history = await env.Client.GetWorkflowHistoryAsync("retry-1");
        var started = Assert.Single(history, e => e.Attributes is ActivityTaskStarted);
        Assert.Equal(5, ((ActivityTaskStarted)started.Attributes).Attempt);
    }

    [Fact]
    public async Task RetriesExhausted_SurfaceAsActivityFailureWithTheLastCause()
    {
        var (env, activities) = await StartAsync();
        await using var __ = env;

        var result = await env.Client.ExecuteWorkflowAsync((RetryingUntilExhausted wf) => wf.RunAsync(), Options("retry-2"));

        Assert.Equal("3:transient failure 3", result);
        Assert.Equal(3, activities.Count("Flaky"));
    }

    [Fact]
    public async Task NonRetryableError_FailsTheActivityAtOnce()
    {
        var (env, activities) = await StartAsync();
        await using var __ = env;

        var result = await env.Client.ExecuteWorkflowAsync((Rejecting wf) => wf.RunAsync(), Options("reject-1"));

        Assert.Equal("CardDeclined after 1", result);
        Assert.Equal(1, activities.Count("Reject"));
    }

    [Fact]
    public async Task HeartbeatTimeout_EndsTheHungAttempt_AndTheNextAttemptSeesTheLastDetails()
    {
        var (env, activities) = await StartAsync();
        await using var __ = env;

        var result = await env.Client.ExecuteWorkflowAsync((Heartbeating wf) => wf.RunAsync(), Options("heartbeat-1"));

        Assert.Equal("job resumed from 42", result);
        var calls = activities.Calls.Where(c => c.Activity == "Slow").ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal("attempt 2 resumes at 42", calls[1].Detail);
        Assert.True(calls[1].At - calls[0].At < TimeSpan.FromMinutes(1), "the second attempt came after the heartbeat timeout, not the start-to-close timeout");
    }

    [Fact]
    public async Task Cancel_RunsCompensation_AndClosesAsCanceled()
    {
        var (env, activities) = await StartAsync();
        await using var __ = env;
        var handle = await env.Client.StartWorkflowAsync((ChargeThenWait wf) => wf.RunAsync("pi_1"), Options("cancel-1"));

        await handle.CancelAsync("driver cancelled");

        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.WaitAsync());
        Assert.Equal(WorkflowStatus.Canceled, failure.Status);
        Assert.Equal(["Charge", "Refund"], activities.Calls.Select(c => c.Activity));
        var history = await handle.FetchHistoryAsync();
        Assert.Contains(history, e => e.Attributes is WorkflowExecutionCancelRequested);
        Assert.Contains(history, e => e.Attributes is TimerCanceled);
        Assert.IsType<WorkflowExecutionCanceled>(history[^1].Attributes);
    }

    [Fact]
    public async Task ChildWorkflow_ResultReachesTheParent()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;

        var result = await env.Client.ExecuteWorkflowAsync((Parent wf) => wf.RunAsync(5), Options("parent-1"));

        Assert.Equal("child returned 10", result);
        var child = await env.Client.DescribeWorkflowAsync("parent-1-child");
        Assert.Equal(WorkflowStatus.Completed, child.Execution.Status);
        Assert.Equal("parent-1", child.Execution.ParentWorkflowId);
        var history = await env.Client.GetWorkflowHistoryAsync("parent-1");
        Assert.Contains(history, e => e.Attributes is ChildWorkflowExecutionStarted);
        Assert.Contains(history, e => e.Attributes is ChildWorkflowExecutionClosed { Status: WorkflowStatus.Completed });
    }

    [Fact]
    public async Task ChildWorkflow_FailureReachesTheParentAsTypedException()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;

        var result = await env.Client.ExecuteWorkflowAsync((Parent wf) => wf.RunAsync(-1), Options("parent-2"));

        Assert.Equal("child failed: InvalidInput", result);
    }

    [Fact]
    public async Task ParentTerminated_TerminatesItsRunningChild()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;
        var handle = await env.Client.StartWorkflowAsync((Parent wf) => wf.RunAsync(60), Options("parent-3"));
        Assert.Equal(WorkflowStatus.Running, (await env.Client.DescribeWorkflowAsync("parent-3-child")).Execution.Status);

        await handle.TerminateAsync("operator stopped it");

        Assert.Equal(WorkflowStatus.Terminated, (await env.Client.DescribeWorkflowAsync("parent-3")).Execution.Status);
        Assert.Equal(WorkflowStatus.Terminated, (await env.Client.DescribeWorkflowAsync("parent-3-child")).Execution.Status);
    }

    [Fact]
    public async Task ContinueAsNew_StartsFreshRuns_AndTheResultFollowsTheChain()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;

        var result = await env.Client.ExecuteWorkflowAsync((Counter wf) => wf.RunAsync(0, 3), Options("counter-1"));

        Assert.Equal(3, result);
        var runs = await env.Client.ListAllWorkflowsAsync(new WorkflowListQuery { WorkflowIdPrefix = "counter-1" }).ToListAsync();
        Assert.Equal(3, runs.Count);
        Assert.Equal(2, runs.Count(r => r.Status == WorkflowStatus.ContinuedAsNew));
        Assert.Single(runs, r => r.Status == WorkflowStatus.Completed);
        Assert.All(runs, r => Assert.True(r.HistoryLength < 10, "each run starts a fresh, short history"));
    }

    [Fact]
    public async Task Start_SameIdWhileRunning_IsRefused_OrReturnsTheExistingRun()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;
        var first = await env.Client.StartWorkflowAsync((Collector wf) => wf.RunAsync("a"), Options("conflict-1"));

        var refused = await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(
            () => env.Client.StartWorkflowAsync((Collector wf) => wf.RunAsync("b"), Options("conflict-1")));
        var existing = await env.Client.StartWorkflowAsync((Collector wf) => wf.RunAsync("c"),
            Options("conflict-1") with { IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting });

        Assert.Equal(first.FirstRunId, refused.RunId);
        Assert.Equal(first.FirstRunId, existing.FirstRunId);
        Assert.Single(await env.Client.ListAllWorkflowsAsync(new WorkflowListQuery { WorkflowIdPrefix = "conflict-1" }).ToListAsync());
    }

    [Fact]
    public async Task Start_RepeatedRequestId_IsIdempotent_EvenAfterTheRunClosed()
    {
        var (env, activities) = await StartAsync();
        await using var __ = env;
        var options = Options("idempotent-1") with { RequestId = "checkin-42" };

        var first = await env.Client.StartWorkflowAsync((ThreeSteps wf) => wf.RunAsync("x"), options);
        await first.GetResultAsync();
        var again = await env.Client.StartWorkflowAsync((ThreeSteps wf) => wf.RunAsync("x"), options);

        Assert.Equal(first.FirstRunId, again.FirstRunId);
        Assert.Equal(3, activities.Count("Step"));
    }

    [Fact]
    public async Task SignalWithStart_StartsWhenAbsent_AndOnlySignalsWhenRunning()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;

        var first = await env.Client.SignalWithStartWorkflowAsync((Collector wf) => wf.RunAsync("o"), wf => wf.AddAsync("first"), Options("sws-1"));
        var second = await env.Client.SignalWithStartWorkflowAsync((Collector wf) => wf.RunAsync("o"), wf => wf.AddAsync("second"), Options("sws-1"));

        Assert.Equal(first.FirstRunId, second.FirstRunId);
        Assert.Equal(["first", "second"], await first.QueryAsync(wf => wf.Items));
    }

    [Fact]
    public async Task Describe_ShowsPendingActivityWithAttemptAndLastFailure_AndPendingTimers()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;
        await env.Client.StartWorkflowAsync((Retrying wf) => wf.RunAsync(10), Options("describe-1"));

        var during = await env.Client.DescribeWorkflowAsync("describe-1");
        var pending = Assert.Single(during.PendingActivities);
        Assert.Equal("Flaky", pending.ActivityType);
        Assert.Equal(2, pending.Attempt);
        Assert.Equal(PendingActivityState.Backoff, pending.State);
        Assert.Equal("transient failure 1", pending.LastFailure?.Message);

        await env.Client.StartWorkflowAsync((LongWait wf) => wf.RunAsync(TimeSpan.FromDays(2), TimeSpan.FromMinutes(1)), Options("describe-2"));
        var timers = (await env.Client.DescribeWorkflowAsync("describe-2")).PendingTimers;
        Assert.Equal(env.Time.GetUtcNow() + TimeSpan.FromDays(2), Assert.Single(timers).FireAt);
    }

    [Fact]
    public async Task List_FiltersByTypeStatusTimeAndSearchAttributes_AndPages()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;
        var t0 = env.Time.GetUtcNow();
        for (var i = 0; i < 5; i++)
        {
            await env.Client.StartWorkflowAsync((Collector wf) => wf.RunAsync(i % 2 == 0 ? "even" : "odd"), Options($"list-{i}"));
            await env.SkipTimeAsync(TimeSpan.FromMinutes(1));
        }
        await env.Client.ExecuteWorkflowAsync((ThreeSteps wf) => wf.RunAsync("z"), Options("list-other"));
        await env.Client.GetWorkflowHandle<Collector>("list-0").SignalAsync(wf => wf.CloseAsync());

        var running = await env.Client.ListWorkflowsAsync(new WorkflowListQuery { WorkflowType = "Collector", Statuses = [WorkflowStatus.Running] });
        var even = await env.Client.ListWorkflowsAsync(new WorkflowListQuery { SearchAttributes = new Dictionary<string, object?> { ["Owner"] = "even" } });
        var window = await env.Client.ListWorkflowsAsync(new WorkflowListQuery { StartedAfter = t0 + TimeSpan.FromMinutes(1), StartedBefore = t0 + TimeSpan.FromMinutes(3) });
        var paged = await env.Client.ListAllWorkflowsAsync(new WorkflowListQuery { WorkflowIdPrefix = "list-", PageSize = 2 }).ToListAsync();

        Assert.Equal(["list-4", "list-3", "list-2", "list-1"], running.Executions.Select(e => e.WorkflowId));
        Assert.Equal(["list-4", "list-2", "list-0"], even.Executions.Select(e => e.WorkflowId));
        Assert.Equal(["list-2", "list-1"], window.Executions.Select(e => e.WorkflowId));
        Assert.Equal(6, paged.Count);
        Assert.Equal(6, paged.Select(e => e.RunId).Distinct().Count());
    }

    [Fact]
    public async Task WorkflowThrowingApplicationFailure_ClosesAsFailed()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;
        var handle = await env.Client.StartWorkflowAsync((Failing wf) => wf.RunAsync(), Options("fail-1"));

        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.WaitAsync());

        Assert.Equal(WorkflowStatus.Failed, failure.Status);
        var cause = Assert.IsType<ApplicationFailureException>(failure.InnerException);
        Assert.Equal("RuleBroken", cause.ErrorType);
    }

    [Fact]
    public async Task Terminate_ClosesAtOnce_WithTheReason()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;
        var handle = await env.Client.StartWorkflowAsync((Collector wf) => wf.RunAsync("t"), Options("terminate-1"));

        await handle.TerminateAsync("stuck at the gate");

        var failure = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.WaitAsync());
        Assert.Equal(WorkflowStatus.Terminated, failure.Status);
        Assert.Contains("stuck at the gate", failure.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<WorkflowNotFoundException>(() => handle.SignalAsync(wf => wf.AddAsync("late")));
    }

    [Fact]
    public async Task LongSignalStream_ContinuesAsNewWhenSuggested_KeepingEachHistoryShort()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;
        var handle = await env.Client.StartWorkflowAsync((Ledger wf) => wf.RunAsync(0), Options("ledger-1"));

        for (var i = 0; i < 100; i++)
        {
            await handle.SignalAsync(wf => wf.AddAsync(10));
        }

        Assert.Equal(1000, await handle.GetResultAsync<long>());
        var runs = await env.Client.ListAllWorkflowsAsync(new WorkflowListQuery { WorkflowIdPrefix = "ledger-1" }).ToListAsync();
        Assert.True(runs.Count > 3, $"{runs.Count} runs");
        Assert.All(runs, r => Assert.True(r.HistoryLength <= 50, $"a run grew to {r.HistoryLength} events"));
    }

    [Fact]
    public async Task Query_FromAProcessWithoutAWorker_ReplaysHistory_WithoutRunningActivities()
    {
        var (env, activities) = await StartAsync();
        await using var __ = env;
        var handle = await env.Client.StartWorkflowAsync((Ledger wf) => wf.RunAsync(5), Options("ledger-2"));
        await handle.SignalAsync(wf => wf.AddAsync(20));
        var stepsBefore = activities.Count("Step");

        var registry = new EasyParkPlus.Engine.Runtime.WorkflowRegistry();
        registry.AddWorkflow(typeof(Ledger));
        var apiProcess = new WorkflowClient(env.Store, registry, env.Time, null, new EasyParkPlus.Engine.Hosting.WorkflowEngineOptions(), runtime: null);
        var total = await apiProcess.GetWorkflowHandle<Ledger>("ledger-2").QueryAsync(wf => wf.Total);

        Assert.Equal(25, total);
        Assert.Equal(stepsBefore, activities.Count("Step"));
    }

    [Fact]
    public async Task ClosedRuns_ArePurgedAfterTheRetentionPeriod_RunningOnesStay()
    {
        var (env, _) = await StartAsync();
        await using var __ = env;
        await env.Client.ExecuteWorkflowAsync((ThreeSteps wf) => wf.RunAsync("old"), Options("purge-1"));
        await env.Client.StartWorkflowAsync((Collector wf) => wf.RunAsync("still running"), Options("purge-2"));
        await env.SkipTimeAsync(TimeSpan.FromDays(31));

        var purged = await env.Store.PurgeClosedAsync(env.Time.GetUtcNow() - TimeSpan.FromDays(30), 100);

        Assert.Equal(1, purged);
        Assert.Null(await env.Store.GetExecutionAsync("purge-1", null));
        Assert.Empty(await env.Store.ReadHistoryAsync(new ExecutionKey("purge-1", "any"), 0));
        Assert.Equal(WorkflowStatus.Running, (await env.Client.DescribeWorkflowAsync("purge-2")).Execution.Status);
    }
}

public sealed class InMemoryEngineBehaviourTests : EngineBehaviourSuite
{
    protected override Task<IWorkflowStore> CreateStoreAsync() => Task.FromResult<IWorkflowStore>(new InMemoryWorkflowStore());
}
