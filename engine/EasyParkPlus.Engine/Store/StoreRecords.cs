using System.Text.Json;

namespace EasyParkPlus.Engine.Store;

/// <summary>Identifies one run.</summary>
public readonly record struct ExecutionKey(string WorkflowId, string RunId)
{
    /// <inheritdoc />
    public override string ToString() => $"{WorkflowId}/{RunId}";
}

/// <summary>Where a child run reports to.</summary>
public sealed record ParentReference(string WorkflowId, string RunId, long InitiatedEventId, ParentClosePolicy ClosePolicy);

/// <summary>A run to create.</summary>
public sealed record NewExecution(
    string WorkflowId,
    string RunId,
    string WorkflowType,
    string TaskQueue,
    JsonElement Input,
    IReadOnlyDictionary<string, JsonElement> SearchAttributes,
    string? RequestId = null,
    ParentReference? Parent = null,
    string? ContinuedFromRunId = null,
    string? TraceParent = null)
{
    /// <summary>The run's key.</summary>
    public ExecutionKey Key => new(WorkflowId, RunId);

    /// <summary>The first event of the run.</summary>
    public WorkflowExecutionStarted StartedEvent() => new(WorkflowType, TaskQueue, Input, SearchAttributes,
        Parent?.WorkflowId, Parent?.RunId, Parent?.InitiatedEventId, ContinuedFromRunId, TraceParent, RequestId);
}

/// <summary>What a start does when the workflow id is already running.</summary>
public enum WorkflowIdConflictPolicy
{
    /// <summary>Refuse with <see cref="WorkflowAlreadyStartedException"/> (unless the request id repeats a start).</summary>
    Fail,

    /// <summary>Return the running execution.</summary>
    UseExisting,
}

/// <summary>A signal to append (also used by signal-with-start).</summary>
public sealed record SignalDelivery(string SignalName, JsonElement Input, string? RequestId, string? TraceParent = null);

/// <summary>The outcome of a start.</summary>
public sealed record StartOutcome(string RunId, bool Created);

/// <summary>An activity task to create with its scheduling event; optionally already claimed by the scheduling worker.</summary>
public sealed record NewActivityTask(
    long ScheduledEventId,
    string ActivityType,
    string TaskQueue,
    JsonElement Input,
    TimeSpan? StartToCloseTimeout,
    TimeSpan? ScheduleToCloseTimeout,
    TimeSpan? HeartbeatTimeout,
    RetryPolicy RetryPolicy,
    DateTimeOffset ScheduledTime,
    string? TraceParent)
{
    /// <summary>When the whole activity must have closed (schedule-to-close).</summary>
    public DateTimeOffset? Deadline => ScheduleToCloseTimeout is { } t ? ScheduledTime + t : null;

    /// <summary>Set when the scheduling worker runs the first attempt itself.</summary>
    public EagerClaim? Eager { get; init; }
}

/// <summary>A claim taken in the same transaction that creates a task.</summary>
public sealed record EagerClaim(string WorkerId, long ClaimToken, DateTimeOffset LeaseUntil);

/// <summary>A durable timer.</summary>
public sealed record NewTimer(long StartedEventId, DateTimeOffset FireAt);

/// <summary>A child run to start in the parent's transaction.</summary>
public sealed record ChildStart(long InitiatedEventId, NewExecution Execution);

/// <summary>A cancellation request the workflow sends to another run (its child).</summary>
public sealed record ExternalCancel(long InitiatedEventId, string WorkflowId, string? RunId);

/// <summary>How a run closes.</summary>
public sealed record ExecutionClose(WorkflowStatus Status, JsonElement? Result, Failure? Failure, NewExecution? ContinuedAs);

/// <summary>Fences the completion of an activity task to the claim that ran it.</summary>
public sealed record ActivityTaskReference(ExecutionKey Key, long ScheduledEventId, long ClaimToken);

/// <summary>A claimed workflow task.</summary>
public sealed record WorkflowTaskClaim(ExecutionKey Key, string WorkflowType, string TaskQueue, long ClaimToken, int Attempt, long NextEventId)
{
    /// <summary>How many of the run's last events a claim brings along.</summary>
    public const int RecentEventCount = 8;

    /// <summary>
    /// The run's last events (at most <see cref="RecentEventCount"/>, ending at <see cref="NextEventId"/> - 1) as of the
    /// claim, read in the claim's own statement: a worker whose cached instance is no further behind, or a short run
    /// replayed from scratch, needs no separate history read.
    /// </summary>
    public IReadOnlyList<HistoryEvent> RecentEvents { get; init; } = [];
}

/// <summary>A claimed activity task (one attempt).</summary>
public sealed record ActivityTaskClaim(
    ExecutionKey Key,
    string WorkflowType,
    long ScheduledEventId,
    string ActivityType,
    string TaskQueue,
    JsonElement Input,
    int Attempt,
    long ClaimToken,
    TimeSpan? StartToCloseTimeout,
    TimeSpan? HeartbeatTimeout,
    DateTimeOffset? Deadline,
    RetryPolicy RetryPolicy,
    DateTimeOffset ScheduledTime,
    DateTimeOffset StartedTime,
    DateTimeOffset? LastHeartbeat,
    JsonElement? HeartbeatDetails,
    Failure? LastFailure,
    string? TraceParent)
{
    /// <summary>The fencing reference of this attempt.</summary>
    public ActivityTaskReference Reference => new(Key, ScheduledEventId, ClaimToken);

    /// <summary>When this attempt is considered lost unless it heartbeats or completes.</summary>
    public DateTimeOffset LeaseUntil(DateTimeOffset from)
    {
        var until = StartToCloseTimeout is { } s ? StartedTime + s : DateTimeOffset.MaxValue;
        if (HeartbeatTimeout is { } h && from + h < until)
        {
            until = from + h;
        }
        if (Deadline is { } d && d < until)
        {
            until = d;
        }
        return until;
    }
}

/// <summary>The result of committing a workflow task.</summary>
public enum CommitResult
{
    /// <summary>Everything was written.</summary>
    Committed,

    /// <summary>Nothing was written: the history moved on, or the claim was lost. Reload and retry.</summary>
    Conflict,

    /// <summary>Nothing was written: an eager start found the workflow id running.</summary>
    AlreadyExists,
}

/// <summary>Kinds of work a store announces.</summary>
public enum WorkKind
{
    /// <summary>A workflow task became runnable on the queue named by the notice.</summary>
    WorkflowTask,

    /// <summary>An activity task became runnable on the queue named by the notice.</summary>
    ActivityTask,

    /// <summary>A run of the workflow id named by the notice closed.</summary>
    Closed,
}

/// <summary>A wake-up: work of a kind became available, or a workflow closed.</summary>
public readonly record struct WorkNotice(WorkKind Kind, string Name);

/// <summary>A row of the visibility list.</summary>
public sealed record WorkflowExecutionInfo(
    string WorkflowId,
    string RunId,
    string WorkflowType,
    string TaskQueue,
    WorkflowStatus Status,
    DateTimeOffset StartTime,
    DateTimeOffset? CloseTime,
    long HistoryLength,
    IReadOnlyDictionary<string, JsonElement> SearchAttributes)
{
    /// <summary>The parent's workflow id, for children.</summary>
    public string? ParentWorkflowId { get; init; }

    /// <summary>The result, when completed.</summary>
    public JsonElement? Result { get; init; }

    /// <summary>The failure, when failed, cancelled, terminated or timed out.</summary>
    public Failure? Failure { get; init; }

    /// <summary>The next run, when continued as new.</summary>
    public string? ContinuedAsRunId { get; init; }
}

/// <summary>An activity a run is waiting for.</summary>
public sealed record PendingActivityInfo(
    long ScheduledEventId,
    string ActivityType,
    int Attempt,
    PendingActivityState State,
    DateTimeOffset ScheduledTime,
    DateTimeOffset? NextAttemptTime,
    DateTimeOffset? LastHeartbeat,
    Failure? LastFailure,
    string? Worker);

/// <summary>Where a pending activity stands.</summary>
public enum PendingActivityState
{
    /// <summary>Waiting for a worker.</summary>
    Scheduled,

    /// <summary>An attempt is running.</summary>
    Started,

    /// <summary>Waiting out the retry backoff.</summary>
    Backoff,
}

/// <summary>A timer a run is waiting for.</summary>
public sealed record PendingTimerInfo(long StartedEventId, DateTimeOffset FireAt);

/// <summary>Everything describe shows about one run.</summary>
public sealed record WorkflowExecutionDescription(
    WorkflowExecutionInfo Execution,
    IReadOnlyList<PendingActivityInfo> PendingActivities,
    IReadOnlyList<PendingTimerInfo> PendingTimers,
    bool WorkflowTaskPending,
    int WorkflowTaskAttempt,
    Failure? LastWorkflowTaskFailure);

/// <summary>Filters of the visibility list. All set filters must hold.</summary>
public sealed record WorkflowListQuery
{
    /// <summary>Only this workflow type.</summary>
    public string? WorkflowType { get; init; }

    /// <summary>Only these statuses.</summary>
    public IReadOnlyList<WorkflowStatus>? Statuses { get; init; }

    /// <summary>Only runs started at or after this time.</summary>
    public DateTimeOffset? StartedAfter { get; init; }

    /// <summary>Only runs started before this time.</summary>
    public DateTimeOffset? StartedBefore { get; init; }

    /// <summary>Only workflow ids beginning with this text.</summary>
    public string? WorkflowIdPrefix { get; init; }

    /// <summary>Only runs whose search attributes contain every one of these values.</summary>
    public IReadOnlyDictionary<string, object?>? SearchAttributes { get; init; }

    /// <summary>Rows per page, 1–1000.</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>The token returned with the previous page.</summary>
    public string? PageToken { get; init; }
}

/// <summary>One page of the visibility list, newest first.</summary>
public sealed record WorkflowListPage(IReadOnlyList<WorkflowExecutionInfo> Executions, string? NextPageToken);
