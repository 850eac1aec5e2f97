using System.Text.Json;

namespace EasyParkPlus.Engine.Store;

/// <summary>
/// Everything one workflow task writes, as one transaction: the new history events and every row that follows
/// from them (invariant 2: no task without its event). Build it with <see cref="Create"/>, which derives the rows
/// from the events, so both stores apply exactly the same meaning to a command.
/// </summary>
public sealed record WorkflowTaskCommit
{
    /// <summary>The run written to.</summary>
    public required ExecutionKey Key { get; init; }

    /// <summary>The run's workflow type.</summary>
    public required string WorkflowType { get; init; }

    /// <summary>The run's task queue.</summary>
    public required string TaskQueue { get; init; }

    /// <summary>The commit applies only if the run's next event id is still this (optimistic concurrency); 1 creates the run.</summary>
    public required long ExpectedNextEventId { get; init; }

    /// <summary>The events to append, numbered from <see cref="ExpectedNextEventId"/>.</summary>
    public required IReadOnlyList<HistoryEvent> Events { get; init; }

    /// <summary>For an eager start: the run to create in this transaction.</summary>
    public NewExecution? NewRun { get; init; }

    /// <summary>The claim of the workflow task row this commit completes; null when no row was claimed (eager paths).</summary>
    public long? WorkflowTaskClaimToken { get; init; }

    /// <summary>For an eager activity completion: the activity task this commit removes, fenced by its claim.</summary>
    public ActivityTaskReference? CompletedActivity { get; init; }

    /// <summary>
    /// For an eager signal: its request id, recorded in this transaction. A repeated id makes the commit a conflict,
    /// so the caller falls back to the store's signal, which treats the repeat as a no-op (invariant 7).
    /// </summary>
    public string? SignalRequestId { get; init; }

    /// <summary>Activity tasks to create.</summary>
    public IReadOnlyList<NewActivityTask> ActivityTasks { get; init; } = [];

    /// <summary>Timers to create.</summary>
    public IReadOnlyList<NewTimer> Timers { get; init; } = [];

    /// <summary>Timers to delete (started event ids).</summary>
    public IReadOnlyList<long> CanceledTimers { get; init; } = [];

    /// <summary>Activity tasks to delete (scheduled event ids).</summary>
    public IReadOnlyList<long> CanceledActivities { get; init; } = [];

    /// <summary>Children to start.</summary>
    public IReadOnlyList<ChildStart> ChildStarts { get; init; } = [];

    /// <summary>Cancellation requests to deliver.</summary>
    public IReadOnlyList<ExternalCancel> CancelRequests { get; init; } = [];

    /// <summary>Search attribute changes (null removes).</summary>
    public IReadOnlyDictionary<string, JsonElement?>? SearchAttributeUpdates { get; init; }

    /// <summary>Set when the run closes.</summary>
    public ExecutionClose? Close { get; init; }

    /// <summary>Whether another workflow task must be scheduled at once (e.g. to learn that a child started).</summary>
    public bool ScheduleWorkflowTask { get; init; }

    /// <summary>Queues whose idle workers in other processes must be woken for tasks created unclaimed.</summary>
    public IReadOnlyCollection<string> NotifyQueues { get; init; } = [];

    /// <summary>Whether the run is a child (its close must reach the parent). Lets a store keep childless commits on its fast path.</summary>
    public bool RunHasParent { get; init; }

    /// <summary>Whether the run ever started a child (its close may have to terminate or cancel children).</summary>
    public bool RunHasChildren { get; init; }

    /// <summary>The trace context activities and children inherit.</summary>
    public string? TraceParent { get; init; }

    /// <summary>
    /// Builds the commit for <paramref name="events"/>. <paramref name="eagerClaim"/> decides, per new activity task,
    /// whether the scheduling worker takes it at once (returns the claim) or leaves it to the queue (returns null).
    /// </summary>
    public static WorkflowTaskCommit Create(
        ExecutionKey key,
        string workflowType,
        string taskQueue,
        long expectedNextEventId,
        IReadOnlyList<HistoryEvent> events,
        string? traceParent,
        Func<NewActivityTask, EagerClaim?>? eagerClaim = null)
    {
        var activities = new List<NewActivityTask>();
        var timers = new List<NewTimer>();
        var canceledTimers = new List<long>();
        var canceledActivities = new List<long>();
        var children = new List<ChildStart>();
        var cancels = new List<ExternalCancel>();
        var notify = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, JsonElement?>? attributes = null;
        ExecutionClose? close = null;

        foreach (var e in events)
        {
            switch (e.Attributes)
            {
                case ActivityTaskScheduled scheduled:
                    var task = new NewActivityTask(e.EventId, scheduled.ActivityType, scheduled.TaskQueue, scheduled.Input,
                        scheduled.StartToCloseTimeout, scheduled.ScheduleToCloseTimeout, scheduled.HeartbeatTimeout, scheduled.RetryPolicy,
                        e.Timestamp, traceParent);
                    var claim = eagerClaim?.Invoke(task);
                    if (claim is null)
                    {
                        notify.Add(task.TaskQueue);
                    }
                    activities.Add(task with { Eager = claim });
                    break;
                case TimerStarted started:
                    timers.Add(new NewTimer(e.EventId, started.FireAt));
                    break;
                case TimerCanceled canceled:
                    timers.RemoveAll(t => t.StartedEventId == canceled.StartedEventId);
                    canceledTimers.Add(canceled.StartedEventId);
                    break;
                case ActivityTaskCancelRequested cancelRequested:
                    activities.RemoveAll(a => a.ScheduledEventId == cancelRequested.ScheduledEventId);
                    canceledActivities.Add(cancelRequested.ScheduledEventId);
                    break;
                case StartChildWorkflowExecutionInitiated child:
                    children.Add(new ChildStart(e.EventId, new NewExecution(child.WorkflowId, Guid.NewGuid().ToString(), child.WorkflowType,
                        child.TaskQueue, child.Input, child.SearchAttributes ?? new Dictionary<string, JsonElement>(),
                        Parent: new ParentReference(key.WorkflowId, key.RunId, e.EventId, child.ParentClosePolicy), TraceParent: traceParent)));
                    notify.Add(child.TaskQueue);
                    break;
                case RequestCancelExternalWorkflowExecutionInitiated cancel:
                    cancels.Add(new ExternalCancel(e.EventId, cancel.WorkflowId, cancel.RunId));
                    break;
                case UpsertWorkflowSearchAttributes upsert:
                    attributes ??= new(StringComparer.Ordinal);
                    foreach (var (name, value) in upsert.SearchAttributes)
                    {
                        attributes[name] = value;
                    }
                    break;
                case WorkflowExecutionCompleted completed:
                    close = new ExecutionClose(WorkflowStatus.Completed, completed.Result, null, null);
                    break;
                case WorkflowExecutionFailed failed:
                    close = new ExecutionClose(WorkflowStatus.Failed, null, failed.Failure, null);
                    break;
                case WorkflowExecutionCanceled canceledRun:
                    close = new ExecutionClose(WorkflowStatus.Canceled, null,
                        new Failure { Kind = FailureKind.Canceled, Message = canceledRun.Details ?? "Workflow canceled" }, null);
                    break;
                case WorkflowExecutionContinuedAsNew continued:
                    close = new ExecutionClose(WorkflowStatus.ContinuedAsNew, null, null,
                        new NewExecution(key.WorkflowId, continued.NewRunId, continued.WorkflowType, continued.TaskQueue, continued.Input,
                            new Dictionary<string, JsonElement>(), ContinuedFromRunId: key.RunId, TraceParent: traceParent));
                    notify.Add(continued.TaskQueue);
                    break;
            }
        }

        if (close is not null)
        {
            // A closed run keeps no tasks: whatever it scheduled in its last task is moot.
            activities.Clear();
            timers.Clear();
        }

        return new WorkflowTaskCommit
        {
            Key = key,
            WorkflowType = workflowType,
            TaskQueue = taskQueue,
            ExpectedNextEventId = expectedNextEventId,
            Events = events,
            ActivityTasks = activities,
            Timers = timers,
            CanceledTimers = canceledTimers,
            CanceledActivities = canceledActivities,
            ChildStarts = close is null ? children : [],
            CancelRequests = cancels,
            SearchAttributeUpdates = attributes,
            Close = close,
            ScheduleWorkflowTask = close is null && children.Count > 0,
            NotifyQueues = notify,
            TraceParent = traceParent,
        };
    }
}
