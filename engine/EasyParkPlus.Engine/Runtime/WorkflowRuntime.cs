using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using EasyParkPlus.Engine.Hosting;
using EasyParkPlus.Engine.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EasyParkPlus.Engine.Runtime;

/// <summary>
/// The worker side of the engine in one process: claims workflow and activity tasks, runs them, fires timers and
/// expires lost attempts. The hosted worker drives it with polling loops and wake-ups; the test environment drives
/// it step by step under a virtual clock. Both use exactly this code.
/// </summary>
public sealed partial class WorkflowRuntime : IAsyncDisposable
{
    private readonly IWorkflowStore _store;
    private readonly WorkflowRegistry _registry;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly WorkflowEngineOptions _options;
    private readonly Dictionary<string, QueueState> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(ExecutionKey, long), RunningActivity> _running = new();
    private readonly ConcurrentDictionary<Task, bool> _inFlight = new();
    private readonly CancellationTokenSource _stopping = new();
    private long _eagerClaimSequence;

    internal WorkflowRuntime(IWorkflowStore store, WorkflowRegistry registry, IServiceProvider services, TimeProvider time,
        ILoggerFactory loggers, WorkflowEngineOptions options)
    {
        _store = store;
        _registry = registry;
        _services = services;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<WorkflowRuntime>();
        _options = options;
        Cache = new WorkflowCache(options.CacheCapacity);
        foreach (var worker in options.Workers)
        {
            _queues[worker.TaskQueue] = new QueueState(worker);
        }
        _store.WorkAvailable += OnWorkAvailable;
    }

    internal WorkflowCache Cache { get; }

    /// <summary>How many workflow instances this process keeps live in memory right now.</summary>
    public int CachedWorkflowCount => Cache.Count;

    internal string Identity => _options.Identity;

    internal WorkflowEngineOptions Options => _options;

    internal IEnumerable<string> TaskQueues => _queues.Keys;

    /// <summary>Activity attempts running in this process right now.</summary>
    internal int RunningActivities => _running.Count;

    /// <summary>Workflow tasks running in this process right now (including eager starts).</summary>
    internal int RunningWorkflowTasks => _queues.Values.Sum(q => Volatile.Read(ref q.WorkflowTasksRunning));

    /// <summary>Every task this runtime started and has not finished (workflow tasks, activities, completions).</summary>
    internal Task[] InFlight => [.. _inFlight.Keys];

    /// <summary>Earliest timer this process created since the timer poller last looked (a hint that wakes it early).</summary>
    internal AsyncSignal TimerWake { get; } = new();

    internal DateTimeOffset? EarliestTimerHint { get; private set; }

    internal bool ServesWorkflowQueue(string queue) => _queues.ContainsKey(queue);

    internal AsyncSignal WorkflowWake(string queue) => _queues[queue].WorkflowWake;

    internal AsyncSignal ActivityWake(string queue) => _queues[queue].ActivityWake;

    private void OnWorkAvailable(WorkNotice notice)
    {
        if (notice.Kind == WorkKind.WorkflowTask && _queues.TryGetValue(notice.Name, out var workflows))
        {
            workflows.WorkflowWake.Set();
        }
        else if (notice.Kind == WorkKind.ActivityTask && _queues.TryGetValue(notice.Name, out var activities))
        {
            activities.ActivityWake.Set();
        }
    }

    private void Track(Task task)
    {
        _inFlight[task] = true;
        _ = task.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, bool>)state!).TryRemove(t, out _), _inFlight,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    // ======================================================================= workflow tasks

    /// <summary>Claims as many workflow tasks of <paramref name="queue"/> as there are free slots and starts them.</summary>
    internal async Task<int> LaunchWorkflowTasksAsync(string queue, CancellationToken cancellationToken)
    {
        var state = _queues[queue];
        var free = state.FreeWorkflowSlots;
        if (free <= 0)
        {
            state.WorkflowPollerStarved = true;
            return 0;
        }
        var claims = await _store.ClaimWorkflowTasksAsync(queue, free, Identity, _time.GetUtcNow(), _options.WorkflowTaskLease, cancellationToken).ConfigureAwait(false);
        foreach (var claim in claims)
        {
            Interlocked.Increment(ref state.WorkflowTasksRunning);
            Track(RunClaimedWorkflowTaskAsync(claim, state));
        }
        return claims.Count;
    }

    private async Task RunClaimedWorkflowTaskAsync(WorkflowTaskClaim claim, QueueState state)
    {
        try
        {
            await ProcessWorkflowTaskAsync(claim, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWorkflowTaskCrashed(ex, claim.Key.WorkflowId);
        }
        finally
        {
            state.ReleaseWorkflowSlot();
        }
    }

    private async Task ProcessWorkflowTaskAsync(WorkflowTaskClaim claim, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var lease = await Cache.AcquireAsync(claim.Key, cancellationToken).ConfigureAwait(false);
            // A redo after a conflict reads afresh: the claim's events are from before the conflicting write.
            var history = (attempt == 1 ? NewEventsFromClaim(claim, lease.Instance) : null)
                ?? await _store.ReadHistoryAsync(claim.Key, lease.Instance?.LastEventId ?? 0, cancellationToken).ConfigureAwait(false);
            if (lease.Instance is null && history.Count == 0)
            {
                await _store.ReleaseWorkflowTaskAsync(claim.Key, claim.ClaimToken, cancellationToken).ConfigureAwait(false);
                return;
            }
            var instance = lease.Instance ??= CreateInstance(claim.Key, claim.WorkflowType, claim.TaskQueue);
            if (instance is null)
            {
                lease.Evict();
                await FailWorkflowTaskAsync(claim, new WorkflowTaskFailureException(
                    $"Workflow type {claim.WorkflowType} is not registered in this worker ({Identity})."), cancellationToken).ConfigureAwait(false);
                return;
            }

            var now = _time.GetUtcNow();
            IReadOnlyList<HistoryEvent> newEvents;
            using (var span = EngineTelemetry.StartSpan($"RunWorkflowTask {claim.WorkflowType}", TraceParentOf(instance, history)))
            {
                span?.SetTag("workflow.id", claim.Key.WorkflowId);
                try
                {
                    newEvents = await ActivateAsync(instance, history, now).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    lease.Evict();
                    await FailWorkflowTaskAsync(claim, ex, cancellationToken).ConfigureAwait(false);
                    return;
                }
            }

            var commit = BuildCommit(instance, newEvents) with { WorkflowTaskClaimToken = claim.ClaimToken };
            if (await CommitOrEvictAsync(commit, lease, now, cancellationToken).ConfigureAwait(false) == CommitResult.Committed)
            {
                var eager = AfterCommit(commit, instance);
                lease.Dispose();
                LaunchEager(eager);
                EngineTelemetry.WorkflowTaskLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return;
            }

            // Someone appended to the history meanwhile (a signal, a timer): the work was dropped; redo it from the store.
            EngineTelemetry.WorkflowTaskConflicts.Add(1);
        }
        LogWorkflowTaskGaveUp(claim.Key.WorkflowId);
    }

    /// <summary>
    /// The events after the instance's last one (all of them without an instance) when the claim brought every one of
    /// them, otherwise null. Anything committed after the claim makes the workflow task's commit conflict and redo.
    /// </summary>
    private static IReadOnlyList<HistoryEvent>? NewEventsFromClaim(WorkflowTaskClaim claim, WorkflowInstance? instance)
    {
        var recent = claim.RecentEvents;
        var after = instance?.LastEventId ?? 0;
        if (recent.Count == 0 || recent[0].EventId > after + 1 || recent[^1].EventId != claim.NextEventId - 1)
        {
            return null;
        }
        return [.. recent.Where(e => e.EventId > after)];
    }

    private WorkflowInstance? CreateInstance(ExecutionKey key, string workflowType, string taskQueue)
    {
        if (_registry.FindWorkflow(workflowType) is not { } definition)
        {
            return null;
        }
        var instance = new WorkflowInstance(definition, new WorkflowInfo(key.WorkflowId, key.RunId, workflowType, taskQueue),
            _loggers.CreateLogger("EasyParkPlus.Workflows." + workflowType), _options.SuggestContinueAsNewAfterEvents);
        instance.ForeignWorkDetected += OnForeignWork;
        return instance;
    }

    /// <summary>Workflow code escaped its scheduler: make sure a workflow task runs so the failure becomes visible.</summary>
    private void OnForeignWork(WorkflowInstance instance)
    {
        var key = new ExecutionKey(instance.Info.WorkflowId, instance.Info.RunId);
        Track(_store.RequestWorkflowTaskAsync(key, _time.GetUtcNow()));
    }

    private Task<IReadOnlyList<HistoryEvent>> ActivateAsync(WorkflowInstance instance, IReadOnlyList<HistoryEvent> events, DateTimeOffset now) =>
        Activation.RunAsync(instance, events, now, Identity, _options.DeadlockTimeout, runLiveTask: true);

    private async Task FailWorkflowTaskAsync(WorkflowTaskClaim claim, Exception exception, CancellationToken cancellationToken)
    {
        var failure = Failure.FromException(exception) with { Kind = FailureKind.Application, ErrorType = exception.GetType().Name };
        var delay = TimeSpan.FromSeconds(Math.Min(_options.WorkflowTaskRetryMaxInterval.TotalSeconds, Math.Pow(2, Math.Min(claim.Attempt - 1, 20))));
        EngineTelemetry.WorkflowTaskFailures.Add(1, new KeyValuePair<string, object?>("workflow.type", claim.WorkflowType));
        if (exception is WorkflowNondeterminismException)
        {
            LogNondeterminism(claim.Key.WorkflowId, claim.WorkflowType, exception.Message);
        }
        else
        {
            LogWorkflowTaskFailed(exception, claim.Key.WorkflowId, claim.WorkflowType, claim.Attempt, exception.Message);
        }
        await _store.FailWorkflowTaskAsync(claim.Key, claim.ClaimToken, failure, _time.GetUtcNow() + delay, cancellationToken).ConfigureAwait(false);
    }

    private static string? TraceParentOf(WorkflowInstance instance, IReadOnlyList<HistoryEvent> history) =>
        instance.TraceParent ??= history.Count > 0 && history[0].Attributes is WorkflowExecutionStarted started ? started.TraceParent : null;

    private WorkflowTaskCommit BuildCommit(WorkflowInstance instance, IReadOnlyList<HistoryEvent> newEvents)
    {
        var key = new ExecutionKey(instance.Info.WorkflowId, instance.Info.RunId);
        var expected = newEvents.Count > 0 ? newEvents[0].EventId : instance.LastEventId + 1;
        return WorkflowTaskCommit.Create(key, instance.Info.WorkflowType, instance.Info.TaskQueue, expected, newEvents, instance.TraceParent, TryEagerClaim) with
        {
            RunHasParent = instance.Info.ParentWorkflowId is not null,
            RunHasChildren = instance.HasChildren,
        };
    }

    /// <summary>Takes a new activity task for this worker at once when it serves the queue and has a free slot.</summary>
    private EagerClaim? TryEagerClaim(NewActivityTask task)
    {
        if (!_options.EagerActivities || _stopping.IsCancellationRequested || !_queues.TryGetValue(task.TaskQueue, out var queue)
            || _registry.FindActivity(task.ActivityType) is null || !queue.TryReserveActivitySlot())
        {
            return null;
        }
        var provisional = new ActivityTaskClaim(default, "", task.ScheduledEventId, task.ActivityType, task.TaskQueue, task.Input, 1, 0,
            task.StartToCloseTimeout, task.HeartbeatTimeout, task.Deadline, task.RetryPolicy, task.ScheduledTime, task.ScheduledTime, null, null, null, null);
        // Eager claim tokens are negative so they can never equal a token handed out by the store's claims.
        return new EagerClaim(Identity, -Interlocked.Increment(ref _eagerClaimSequence), provisional.LeaseUntil(task.ScheduledTime));
    }

    private void ReleaseEagerSlots(WorkflowTaskCommit commit)
    {
        foreach (var task in commit.ActivityTasks.Where(t => t.Eager is not null))
        {
            _queues[task.TaskQueue].ReleaseActivitySlot();
        }
    }

    /// <summary>
    /// Runs the activities this worker claimed in the commit. Called after the instance's lease is released, so an
    /// activity that finishes at once can report back through the cached instance (the eager path).
    /// </summary>
    private void LaunchEager(List<(ActivityTaskClaim Claim, QueueState Queue)> eager)
    {
        foreach (var (claim, queue) in eager)
        {
            Track(RunActivityAsync(claim, queue));
        }
    }

    private List<(ActivityTaskClaim Claim, QueueState Queue)> AfterCommit(WorkflowTaskCommit commit, WorkflowInstance instance)
    {
        foreach (var id in commit.CanceledActivities)
        {
            if (_running.TryGetValue((commit.Key, id), out var running))
            {
                running.Cancel();
            }
        }
        if (commit.Timers.Count > 0)
        {
            var earliest = commit.Timers.Min(t => t.FireAt);
            if (EarliestTimerHint is not { } hint || earliest < hint)
            {
                EarliestTimerHint = earliest;
            }
            TimerWake.Set();
        }
        if (commit.Close is { } close)
        {
            EngineTelemetry.WorkflowsClosed.Add(1, new KeyValuePair<string, object?>("status", close.Status.ToString()));
        }
        var eagerClaims = new List<(ActivityTaskClaim, QueueState)>();
        foreach (var task in commit.ActivityTasks)
        {
            if (task.Eager is { } eager)
            {
                var claim = new ActivityTaskClaim(commit.Key, instance.Info.WorkflowType, task.ScheduledEventId, task.ActivityType, task.TaskQueue,
                    task.Input, 1, eager.ClaimToken, task.StartToCloseTimeout, task.HeartbeatTimeout, task.Deadline, task.RetryPolicy,
                    task.ScheduledTime, task.ScheduledTime, null, null, null, task.TraceParent);
                eagerClaims.Add((claim, _queues[task.TaskQueue]));
            }
        }
        return eagerClaims;
    }

    /// <summary>Clears a timer hint once the poller has looked past it.</summary>
    internal void ClearTimerHint(DateTimeOffset lookedAt)
    {
        if (EarliestTimerHint is { } hint && hint <= lookedAt)
        {
            EarliestTimerHint = null;
        }
    }

    // ======================================================================= eager start

    /// <summary>
    /// Starts a run by executing its first workflow task here and committing the run, its first events and the
    /// tasks they schedule in one transaction. Returns null when this process cannot (queue not served, no slot,
    /// type unknown) or the id is taken; the caller then starts the normal way.
    /// </summary>
    internal async Task<StartOutcome?> TryStartEagerlyAsync(NewExecution execution, CancellationToken cancellationToken)
    {
        if (!_options.EagerStart || _stopping.IsCancellationRequested || !_queues.TryGetValue(execution.TaskQueue, out var queue)
            || _registry.FindWorkflow(execution.WorkflowType) is null || !queue.TryReserveWorkflowSlot())
        {
            return null;
        }
        try
        {
            using var lease = await Cache.AcquireAsync(execution.Key, cancellationToken).ConfigureAwait(false);
            var instance = CreateInstance(execution.Key, execution.WorkflowType, execution.TaskQueue)!;
            var now = _time.GetUtcNow();
            var started = new HistoryEvent(1, now, execution.StartedEvent());
            IReadOnlyList<HistoryEvent> newEvents;
            try
            {
                newEvents = await ActivateAsync(instance, [started], now).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Let the normal path record the run and surface the failure through its workflow task.
                instance.Dispose();
                return null;
            }
            instance.TraceParent = execution.TraceParent;
            var commit = BuildCommit(instance, [started, .. newEvents]) with { NewRun = execution };
            var result = await _store.CommitWorkflowTaskAsync(commit, now, cancellationToken).ConfigureAwait(false);
            if (result != CommitResult.Committed)
            {
                ReleaseEagerSlots(commit);
                instance.Dispose();
                return null;
            }
            lease.Instance = instance;
            var eager = AfterCommit(commit, instance);
            lease.Dispose();
            LaunchEager(eager);
            return new StartOutcome(execution.RunId, true);
        }
        finally
        {
            queue.ReleaseWorkflowSlot();
        }
    }

    // ======================================================================= eager signals

    /// <summary>
    /// Delivers a signal to a run whose instance is live in this process by running the workflow task it triggers at
    /// once and committing "signal received + workflow task completed + its commands" in one transaction: one round
    /// trip instead of signal, wake-up, claim, history read and commit, none of which waits behind other work.
    /// Returns false, having written nothing, when the run is not cached here, its queue is not served here, or the
    /// history moved on (or the request id was seen before); the caller then signals through the store.
    /// <paramref name="validate"/> gets the run's workflow type and throws for a signal it does not define.
    /// </summary>
    internal async Task<bool> TrySignalEagerlyAsync(string workflowId, string? runId, SignalDelivery signal, Action<string> validate,
        CancellationToken cancellationToken)
    {
        if (!_options.EagerSignals || _stopping.IsCancellationRequested
            || (runId is null ? Cache.LatestRun(workflowId) : new ExecutionKey(workflowId, runId)) is not { } key
            || await Cache.AcquireCachedAsync(key, cancellationToken).ConfigureAwait(false) is not { } lease)
        {
            return false;
        }
        List<(ActivityTaskClaim Claim, QueueState Queue)> eager;
        using (lease)
        {
            var instance = lease.Instance!;
            if (instance.IsClosed || !_queues.TryGetValue(instance.Info.TaskQueue, out var queue))
            {
                return false;
            }
            validate(instance.Info.WorkflowType);
            if (!queue.TryReserveWorkflowSlot())
            {
                return false;
            }
            try
            {
                var now = _time.GetUtcNow();
                var received = new HistoryEvent(instance.LastEventId + 1, now,
                    new WorkflowExecutionSignaled(signal.SignalName, signal.Input, signal.RequestId, signal.TraceParent));
                IReadOnlyList<HistoryEvent> newEvents;
                using (var span = EngineTelemetry.StartSpan($"RunWorkflowTask {instance.Info.WorkflowType}", instance.TraceParent))
                {
                    span?.SetTag("workflow.id", workflowId);
                    try
                    {
                        newEvents = await ActivateAsync(instance, [received], now).ConfigureAwait(false);
                    }
                    catch (Exception)
                    {
                        // The store's signal records it durably; the workflow task it schedules surfaces the failure.
                        lease.Evict();
                        return false;
                    }
                }
                var commit = BuildCommit(instance, [received, .. newEvents]) with { SignalRequestId = signal.RequestId };
                if (await CommitOrEvictAsync(commit, lease, now, cancellationToken).ConfigureAwait(false) != CommitResult.Committed)
                {
                    return false;
                }
                EngineTelemetry.EagerSignals.Add(1);
                eager = AfterCommit(commit, instance);
            }
            finally
            {
                queue.ReleaseWorkflowSlot();
            }
        }
        LaunchEager(eager);
        return true;
    }

    /// <summary>
    /// Commits a workflow task computed on a cached instance. Unless it committed, the instance is ahead of the store
    /// (it applied events that were not written, or may not have been), so it is evicted and the eager claims are given back.
    /// </summary>
    private async Task<CommitResult> CommitOrEvictAsync(WorkflowTaskCommit commit, WorkflowCache.Lease lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        CommitResult result;
        try
        {
            result = await _store.CommitWorkflowTaskAsync(commit, now, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lease.Evict();
            ReleaseEagerSlots(commit);
            throw;
        }
        if (result != CommitResult.Committed)
        {
            lease.Evict();
            ReleaseEagerSlots(commit);
        }
        return result;
    }

    // ======================================================================= activities

    /// <summary>Claims as many activity tasks of <paramref name="queue"/> as there are free slots and starts them.</summary>
    internal async Task<int> LaunchActivityTasksAsync(string queue, CancellationToken cancellationToken)
    {
        var state = _queues[queue];
        var free = state.FreeActivitySlots;
        if (free <= 0)
        {
            state.ActivityPollerStarved = true;
            return 0;
        }
        var claims = await _store.ClaimActivityTasksAsync(queue, free, Identity, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        foreach (var claim in claims)
        {
            if (!state.TryReserveActivitySlot())
            {
                await _store.ReleaseActivityTaskAsync(claim.Reference, cancellationToken).ConfigureAwait(false);
                continue;
            }
            Track(RunActivityAsync(claim, state));
        }
        return claims.Count;
    }

    private async Task RunActivityAsync(ActivityTaskClaim claim, QueueState queue)
    {
        using var cancellation = CreateAttemptCancellation(claim);
        var running = new RunningActivity(cancellation, AttemptDeadline(claim));
        _running[(claim.Key, claim.ScheduledEventId)] = running;
        try
        {
            var outcome = await ExecuteActivityAsync(claim, cancellation).ConfigureAwait(false);
            if (running.CanceledByWorkflow || (_stopping.IsCancellationRequested && outcome.Exception is OperationCanceledException))
            {
                // Cancelled by the workflow (its task is gone) or by shutdown (give the attempt back): nothing to record.
                if (!running.CanceledByWorkflow)
                {
                    await _store.ReleaseActivityTaskAsync(claim.Reference, CancellationToken.None).ConfigureAwait(false);
                }
                return;
            }
            await FinishActivityAsync(claim, outcome, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogActivityCompletionFailed(ex, claim.ActivityType, claim.Key.WorkflowId);
        }
        finally
        {
            _running.TryRemove((claim.Key, claim.ScheduledEventId), out _);
            queue.ReleaseActivitySlot();
        }
    }

    private CancellationTokenSource CreateAttemptCancellation(ActivityTaskClaim claim) =>
        CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);

    /// <summary>When an attempt must have finished (start-to-close or the schedule-to-close deadline), if ever.</summary>
    private static DateTimeOffset? AttemptDeadline(ActivityTaskClaim claim)
    {
        var until = claim.StartToCloseTimeout is { } s ? claim.StartedTime + s : (DateTimeOffset?)null;
        return claim.Deadline is { } deadline && (until is null || deadline < until) ? deadline : until;
    }

    private async Task<ActivityOutcome> ExecuteActivityAsync(ActivityTaskClaim claim, CancellationTokenSource cancellation)
    {
        if (_registry.FindActivity(claim.ActivityType) is not { } definition)
        {
            return ActivityOutcome.Failed(new ApplicationFailureException(
                $"Activity type {claim.ActivityType} is not registered in this worker ({Identity}).", "ActivityNotRegistered"));
        }
        object?[] arguments;
        try
        {
            arguments = PayloadConverter.FromArguments(claim.Input, definition.ParameterTypes, $"activity {definition.Name}");
        }
        catch (WorkflowInvalidArgumentException ex)
        {
            return ActivityOutcome.Failed(new ApplicationFailureException(ex.Message, "InvalidArguments", nonRetryable: true));
        }

        using var span = EngineTelemetry.StartSpan($"RunActivity {claim.ActivityType}", claim.TraceParent);
        span?.SetTag("workflow.id", claim.Key.WorkflowId);
        span?.SetTag("activity.attempt", claim.Attempt);
        var started = Stopwatch.GetTimestamp();
        var context = new ActivityExecutionContext(claim.ToInfo(), claim.HeartbeatDetails, _loggers.CreateLogger("EasyParkPlus.Activities." + claim.ActivityType),
            _time, cancellation, details => _store.HeartbeatActivityTaskAsync(claim.Reference, details, _time.GetUtcNow(),
                claim.LeaseUntil(_time.GetUtcNow()), CancellationToken.None));
        try
        {
            await using var scope = _services.CreateAsyncScope();
            var target = scope.ServiceProvider.GetRequiredService(definition.ServiceType);
            object? result;
            using (ActivityExecutionContext.Enter(context))
            {
                result = await definition.InvokeAsync(target, arguments).ConfigureAwait(false);
            }
            await context.PendingFlush.ConfigureAwait(false);
            return ActivityOutcome.Completed(definition.ResultType == typeof(void) ? null : PayloadConverter.ToPayload(result, definition.ResultType));
        }
        catch (Exception ex)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            return ActivityOutcome.Failed(ex);
        }
        finally
        {
            context.Stop();
            EngineTelemetry.ActivityLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                new KeyValuePair<string, object?>("activity.type", claim.ActivityType));
        }
    }

    private async Task FinishActivityAsync(ActivityTaskClaim claim, ActivityOutcome outcome, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        HistoryEventAttributes result;
        if (outcome.Exception is { } exception)
        {
            var failure = Failure.FromException(exception);
            if (exception is OperationCanceledException && !_stopping.IsCancellationRequested)
            {
                failure = new Failure { Kind = FailureKind.Timeout, Message = "Activity attempt exceeded its timeout", TimeoutType = TimeoutType.StartToClose };
            }
            if (await TryRetryAsync(claim, failure, now, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
            LogActivityFailed(claim.ActivityType, claim.Key.WorkflowId, claim.Attempt, failure.Message);
            EngineTelemetry.ActivityFailures.Add(1, new KeyValuePair<string, object?>("activity.type", claim.ActivityType));
            result = failure.Kind == FailureKind.Timeout
                ? new ActivityTaskTimedOut(claim.ScheduledEventId, failure)
                : new ActivityTaskFailed(claim.ScheduledEventId, failure);
        }
        else
        {
            result = new ActivityTaskCompleted(claim.ScheduledEventId, outcome.Result);
        }

        HistoryEventAttributes[] events = [new ActivityTaskStarted(claim.ScheduledEventId, claim.Attempt, Identity, claim.LastFailure), result];
        if (!await TryCompleteEagerlyAsync(claim, events, now, cancellationToken).ConfigureAwait(false))
        {
            await _store.CompleteActivityTaskAsync(claim.Reference, events, now, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Schedules the next attempt when the policy and the schedule-to-close deadline allow one.</summary>
    private async Task<bool> TryRetryAsync(ActivityTaskClaim claim, Failure failure, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var errorType = failure.ErrorType ?? failure.Kind.ToString();
        if (!claim.RetryPolicy.AllowsRetry(claim.Attempt, errorType, failure.NonRetryable))
        {
            return false;
        }
        var next = now + claim.RetryPolicy.DelayBefore(claim.Attempt + 1);
        if (claim.Deadline is { } deadline && next >= deadline)
        {
            return false;
        }
        EngineTelemetry.ActivityRetries.Add(1, new KeyValuePair<string, object?>("activity.type", claim.ActivityType));
        LogActivityRetry(claim.ActivityType, claim.Key.WorkflowId, claim.Attempt, next, failure.Message);
        await _store.RetryActivityTaskAsync(claim.Reference, claim.Attempt + 1, next, failure, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Records the activity's outcome together with the workflow task it triggers, run here on the cached instance,
    /// in one transaction. Returns false (nothing written) when the instance is not cached or the history moved on.
    /// </summary>
    private async Task<bool> TryCompleteEagerlyAsync(ActivityTaskClaim claim, HistoryEventAttributes[] outcome, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!_options.EagerActivities || await Cache.AcquireCachedAsync(claim.Key, cancellationToken).ConfigureAwait(false) is not { } lease)
        {
            return false;
        }
        List<(ActivityTaskClaim, QueueState)> eager;
        using (lease)
        {
            var instance = lease.Instance!;
            var first = instance.LastEventId + 1;
            var inputs = outcome.Select((attributes, i) => new HistoryEvent(first + i, now, attributes)).ToList();
            IReadOnlyList<HistoryEvent> newEvents;
            try
            {
                newEvents = await ActivateAsync(instance, inputs, now).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The plain path records the outcome; the workflow task it schedules surfaces the failure.
                lease.Evict();
                return false;
            }
            var commit = BuildCommit(instance, [.. inputs, .. newEvents]) with { CompletedActivity = claim.Reference };
            if (await CommitOrEvictAsync(commit, lease, now, cancellationToken).ConfigureAwait(false) != CommitResult.Committed)
            {
                return false;
            }
            eager = AfterCommit(commit, instance);
        }
        LaunchEager(eager);
        return true;
    }

    // ======================================================================= timers, expiry, purge

    /// <summary>Fires due timers; returns how many batches found work.</summary>
    internal async Task<int> FireTimersAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var fired = await _store.FireDueTimersAsync(256, now, cancellationToken).ConfigureAwait(false);
        ClearTimerHint(now);
        return fired.Count;
    }

    /// <summary>Handles activity attempts whose lease or deadline passed: retry them or time the activity out.</summary>
    internal async Task<int> ExpireActivitiesAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var overran in _running.Values.Where(r => r.Deadline <= now))
        {
            overran.Overran();
        }
        var expired = await _store.ClaimExpiredActivityTasksAsync(100, Identity, now, cancellationToken).ConfigureAwait(false);
        foreach (var claim in expired)
        {
            var timeoutType = claim.Deadline is { } deadline && deadline <= now ? TimeoutType.ScheduleToClose
                : claim.HeartbeatTimeout is { } heartbeat && (claim.LastHeartbeat ?? claim.StartedTime) + heartbeat <= now ? TimeoutType.Heartbeat
                : TimeoutType.StartToClose;
            foreach (var running in _running.Where(r => r.Key == (claim.Key, claim.ScheduledEventId)).Select(r => r.Value))
            {
                running.Cancel();
            }
            var failure = new Failure
            {
                Kind = FailureKind.Timeout,
                Message = $"Activity {claim.ActivityType} attempt {claim.Attempt} timed out ({timeoutType})",
                TimeoutType = timeoutType,
                Cause = claim.LastFailure,
            };
            if (timeoutType != TimeoutType.ScheduleToClose && await TryRetryAsync(claim, failure, now, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }
            LogActivityFailed(claim.ActivityType, claim.Key.WorkflowId, claim.Attempt, failure.Message);
            EngineTelemetry.ActivityFailures.Add(1, new KeyValuePair<string, object?>("activity.type", claim.ActivityType));
            await _store.CompleteActivityTaskAsync(claim.Reference,
                [new ActivityTaskStarted(claim.ScheduledEventId, claim.Attempt, Identity, claim.LastFailure), new ActivityTaskTimedOut(claim.ScheduledEventId, failure)],
                now, cancellationToken).ConfigureAwait(false);
        }
        return expired.Count;
    }

    /// <summary>Deletes closed runs older than the retention period.</summary>
    internal Task<int> PurgeAsync(CancellationToken cancellationToken) =>
        _store.PurgeClosedAsync(_time.GetUtcNow() - _options.Retention, 1000, cancellationToken);

    /// <summary>Drops idle cached instances when the process is short of memory.</summary>
    internal void TrimCacheUnderMemoryPressure()
    {
        var memory = GC.GetGCMemoryInfo();
        if (memory.HighMemoryLoadThresholdBytes > 0 && memory.MemoryLoadBytes >= memory.HighMemoryLoadThresholdBytes * 0.9)
        {
            LogCacheTrimmed(Cache.Trim(0.5));
        }
    }

    // ======================================================================= shutdown

    /// <summary>Stops taking work, lets running activities finish for the grace period, then cancels and releases them.</summary>
    internal async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host may stop the worker after the container has already disposed the runtime (WebApplicationFactory
        // does); a disposed runtime has nothing left to stop.
        if (_disposed)
        {
            return;
        }
        _store.WorkAvailable -= OnWorkAvailable;
        var grace = Task.WhenAll(InFlight);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        giveUp.CancelAfter(_options.ShutdownGracePeriod);
        try
        {
            await grace.WaitAsync(giveUp.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(InFlight).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        _disposed = true;
        _stopping.Dispose();
    }

    private volatile bool _disposed;

    // ======================================================================= helpers

    private readonly record struct ActivityOutcome(JsonElement? Result, Exception? Exception)
    {
        public static ActivityOutcome Completed(JsonElement? result) => new(result, null);

        public static ActivityOutcome Failed(Exception exception) => new(null, exception);
    }

    private sealed class RunningActivity(CancellationTokenSource cancellation, DateTimeOffset? deadline)
    {
        public bool CanceledByWorkflow { get; private set; }

        public DateTimeOffset? Deadline { get; } = deadline;

        /// <summary>Stops code that overran its timeout; the store's expiry decides whether another attempt follows.</summary>
        public void Overran()
        {
            try
            {
                cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Cancel()
        {
            CanceledByWorkflow = true;
            try
            {
                cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private sealed class QueueState(WorkerOptions options)
    {
        public int WorkflowTasksRunning;
        private int _activitiesRunning;

        public AsyncSignal WorkflowWake { get; } = new();

        public AsyncSignal ActivityWake { get; } = new();

        public int FreeWorkflowSlots => options.MaxConcurrentWorkflowTasks - Volatile.Read(ref WorkflowTasksRunning);

        public int FreeActivitySlots => options.MaxConcurrentActivities - Volatile.Read(ref _activitiesRunning);

        public bool TryReserveWorkflowSlot()
        {
            if (Interlocked.Increment(ref WorkflowTasksRunning) <= options.MaxConcurrentWorkflowTasks)
            {
                return true;
            }
            Interlocked.Decrement(ref WorkflowTasksRunning);
            return false;
        }

        /// <summary>Set when the poller found no free slot: the next freed slot wakes it (otherwise wake-ups come from the store).</summary>
        public bool WorkflowPollerStarved { get; set; }

        public bool ActivityPollerStarved { get; set; }

        public void ReleaseWorkflowSlot()
        {
            Interlocked.Decrement(ref WorkflowTasksRunning);
            if (WorkflowPollerStarved)
            {
                WorkflowPollerStarved = false;
                WorkflowWake.Set();
            }
        }

        public bool TryReserveActivitySlot()
        {
            if (Interlocked.Increment(ref _activitiesRunning) <= options.MaxConcurrentActivities)
            {
                return true;
            }
            Interlocked.Decrement(ref _activitiesRunning);
            return false;
        }

        public void ReleaseActivitySlot()
        {
            Interlocked.Decrement(ref _activitiesRunning);
            if (ActivityPollerStarved)
            {
                ActivityPollerStarved = false;
                ActivityWake.Set();
            }
        }
    }

    [LoggerMessage(1101, LogLevel.Error, "Workflow task of {WorkflowId} crashed the worker loop")]
    private partial void LogWorkflowTaskCrashed(Exception exception, string workflowId);

    [LoggerMessage(1102, LogLevel.Warning, "Workflow task of {WorkflowId} kept conflicting with concurrent writes; it will be retried when its lease expires")]
    private partial void LogWorkflowTaskGaveUp(string workflowId);

    [LoggerMessage(1103, LogLevel.Error, "Non-determinism in {WorkflowType} {WorkflowId}: {Detail}. The run stays as it is until fixed code is deployed.")]
    private partial void LogNondeterminism(string workflowId, string workflowType, string detail);

    [LoggerMessage(1104, LogLevel.Error, "Workflow task of {WorkflowType} {WorkflowId} failed (attempt {Attempt}): {Detail}")]
    private partial void LogWorkflowTaskFailed(Exception exception, string workflowId, string workflowType, int attempt, string detail);

    [LoggerMessage(1105, LogLevel.Warning, "Activity {ActivityType} of {WorkflowId} failed attempt {Attempt}; retrying at {NextAttemptAt}: {Detail}")]
    private partial void LogActivityRetry(string activityType, string workflowId, int attempt, DateTimeOffset nextAttemptAt, string detail);

    [LoggerMessage(1106, LogLevel.Warning, "Activity {ActivityType} of {WorkflowId} failed for good after attempt {Attempt}: {Detail}")]
    private partial void LogActivityFailed(string activityType, string workflowId, int attempt, string detail);

    [LoggerMessage(1107, LogLevel.Error, "Recording the outcome of activity {ActivityType} of {WorkflowId} failed; its lease will expire and it will be retried")]
    private partial void LogActivityCompletionFailed(Exception exception, string activityType, string workflowId);

    [LoggerMessage(1108, LogLevel.Information, "Memory is short: dropped {Count} cached workflow instances")]
    private partial void LogCacheTrimmed(int count);
}
