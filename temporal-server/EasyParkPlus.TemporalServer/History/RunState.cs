using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>
/// The mutable state of one run ("mutable state" in Temporal): what the history implies plus what it does not hold
/// yet (buffered events, activity attempts, transient workflow tasks, request ids, updates). A transition works on a
/// <see cref="Clone"/>, so a refused commit leaves the cached state untouched. Protobuf messages and records kept here
/// are never mutated once stored; a change replaces them.
/// </summary>
public sealed class RunState
{
    public required RunKey Key { get; init; }

    /// <summary>The run's started event attributes (type, queue, input, timeouts, parent, retry policy, ...).</summary>
    public required WorkflowExecutionStartedEventAttributes Start { get; set; }

    public required string StartRequestId { get; init; }
    public required DateTimeOffset StartTime { get; init; }
    public DateTimeOffset ExecutionTime { get; set; }
    public DateTimeOffset? CloseTime { get; set; }
    public WorkflowExecutionStatus Status { get; set; } = WorkflowExecutionStatus.Running;

    /// <summary>The close event, once closed (its result, failure, or the next run's id).</summary>
    public HistoryEvent? CloseEvent { get; set; }

    /// <summary>The run that continues this one (continue-as-new, retry), once closed that way.</summary>
    public string? NextRunId { get; set; }

    /// <summary>The id the next appended event gets; histories are dense from 1.</summary>
    public long NextEventId { get; set; } = 1;

    /// <summary>Store version: bumped by every commit and checked by the next (optimistic concurrency).</summary>
    public long Version { get; set; }

    /// <summary>The started event id of the last completed workflow task ("previousStartedEventId").</summary>
    public long LastCompletedWorkflowTaskStartedEventId { get; set; }

    public long HistorySizeBytes { get; set; }

    /// <summary>The pending workflow task, scheduled or started; null when none.</summary>
    public WorkflowTaskInfo? WorkflowTask { get; set; }

    /// <summary>Attempts of the workflow task since the last completed one (2+ means the task is transient).</summary>
    public int WorkflowTaskAttempt { get; set; } = 1;

    /// <summary>The last failure of a workflow task since the last completed one (what describe shows).</summary>
    public Temporalio.Api.Failure.V1.Failure? LastWorkflowTaskFailure { get; set; }

    /// <summary>The worker's sticky queue while the run is cached there.</summary>
    public StickyQueue? Sticky { get; set; }

    /// <summary>Events that arrived while a workflow task was started: written after its completion (ids unassigned).</summary>
    public List<HistoryEvent> BufferedEvents { get; private init; } = [];

    public Dictionary<long, ActivityInfo> Activities { get; private init; } = [];
    public Dictionary<string, TimerInfo> Timers { get; private init; } = new(StringComparer.Ordinal);
    public Dictionary<long, ChildInfo> Children { get; private init; } = [];
    public Dictionary<long, ExternalRequestInfo> ExternalRequests { get; private init; } = [];
    public Dictionary<string, UpdateInfo> Updates { get; private init; } = new(StringComparer.Ordinal);

    /// <summary>Request ids of starts, signals and cancels already applied (idempotency, invariant 6).</summary>
    public HashSet<string> RequestIds { get; private init; } = new(StringComparer.Ordinal);

    public bool CancelRequested { get; set; }

    /// <summary>Whether the first workflow task waits for <see cref="ExecutionTime"/> (a start delay or a retry/cron backoff).</summary>
    public bool AwaitingStartBackoff { get; set; }

    public SearchAttributes SearchAttributes { get; set; } = new();
    public Memo Memo { get; set; } = new();

    /// <summary>The last stamp handed out (workflow task and activity attempts; see <see cref="WorkflowTaskInfo.Stamp"/>).</summary>
    public long LastStamp { get; set; }

    /// <summary>Counts commits; visibility's StateTransitionCount.</summary>
    public long StateTransitionCount { get; set; }

    public bool IsRunning => Status == WorkflowExecutionStatus.Running;
    public string WorkflowType => Start.WorkflowType.Name;
    public string TaskQueue => Start.TaskQueue.Name;

    /// <summary>A copy whose collections can change without touching this one (their values are immutable).</summary>
    public RunState Clone() => new()
    {
        Key = Key,
        Start = Start,
        StartRequestId = StartRequestId,
        StartTime = StartTime,
        ExecutionTime = ExecutionTime,
        CloseTime = CloseTime,
        Status = Status,
        CloseEvent = CloseEvent,
        NextRunId = NextRunId,
        NextEventId = NextEventId,
        Version = Version,
        LastCompletedWorkflowTaskStartedEventId = LastCompletedWorkflowTaskStartedEventId,
        HistorySizeBytes = HistorySizeBytes,
        WorkflowTask = WorkflowTask,
        WorkflowTaskAttempt = WorkflowTaskAttempt,
        LastWorkflowTaskFailure = LastWorkflowTaskFailure,
        Sticky = Sticky,
        BufferedEvents = [.. BufferedEvents],
        Activities = new(Activities),
        Timers = new(Timers, StringComparer.Ordinal),
        Children = new(Children),
        ExternalRequests = new(ExternalRequests),
        Updates = new(Updates, StringComparer.Ordinal),
        RequestIds = new(RequestIds, StringComparer.Ordinal),
        CancelRequested = CancelRequested,
        AwaitingStartBackoff = AwaitingStartBackoff,
        SearchAttributes = SearchAttributes,
        Memo = Memo,
        StateTransitionCount = StateTransitionCount,
        LastStamp = LastStamp,
    };

    public long NewStamp() => ++LastStamp;
}

/// <summary>A worker's sticky queue and how long a task may wait there before it goes back to the normal queue.</summary>
public sealed record StickyQueue(string Name, TimeSpan ScheduleToStartTimeout);

/// <summary>
/// The pending workflow task. A transient task (attempt 2+) has no events in the history until it completes: its
/// scheduled and started events exist only in the poll response (so a crash-looping workflow does not grow).
/// </summary>
public sealed record WorkflowTaskInfo
{
    public required long ScheduledEventId { get; init; }
    public required int Attempt { get; init; }
    public required DateTimeOffset ScheduledTime { get; init; }
    public required DateTimeOffset OriginalScheduledTime { get; init; }
    public required TimeSpan StartToCloseTimeout { get; init; }

    /// <summary>The queue it was dispatched to (the sticky queue or the run's normal queue).</summary>
    public required string TaskQueue { get; init; }
    public bool OnStickyQueue { get; init; }

    /// <summary>Whether its scheduled event is only virtual (attempt 2+, nothing new in the history since).</summary>
    public bool Transient { get; init; }

    public long StartedEventId { get; init; }
    public DateTimeOffset? StartedTime { get; init; }
    public string? StartedRequestId { get; init; }
    public string? StartedIdentity { get; init; }

    /// <summary>Changes each time the task is scheduled or started; a task token carrying an old one is stale.</summary>
    public required long Stamp { get; init; }

    public bool IsStarted => StartedTime is not null;
}

public enum ActivityAttemptState
{
    Scheduled,
    Started,
    BackingOff,
}

/// <summary>A pending activity and its current attempt. ActivityTaskStarted is written only when an attempt ends.</summary>
public sealed record ActivityInfo
{
    public required long ScheduledEventId { get; init; }
    public required ActivityTaskScheduledEventAttributes Scheduled { get; init; }
    public required DateTimeOffset ScheduledTime { get; init; }
    public string ActivityId => Scheduled.ActivityId;
    public string TaskQueue => Scheduled.TaskQueue.Name;

    public int Attempt { get; init; } = 1;
    public ActivityAttemptState State { get; init; }
    public DateTimeOffset CurrentAttemptScheduledTime { get; init; }
    public DateTimeOffset? StartedTime { get; init; }
    public string? StartedIdentity { get; init; }
    public string? StartedRequestId { get; init; }

    public Payloads? HeartbeatDetails { get; init; }
    public DateTimeOffset? LastHeartbeatTime { get; init; }
    public Temporalio.Api.Failure.V1.Failure? LastFailure { get; init; }
    public string? LastWorkerIdentity { get; init; }
    public DateTimeOffset? LastAttemptCompleteTime { get; init; }
    public DateTimeOffset? NextAttemptTime { get; init; }
    public TimeSpan? CurrentRetryInterval { get; init; }

    public bool CancelRequested { get; init; }
    public long CancelRequestedEventId { get; init; }

    /// <summary>Changes with each attempt and each start; a task token carrying an old one is stale.</summary>
    public required long Stamp { get; init; }
}

public sealed record TimerInfo(string TimerId, long StartedEventId, DateTimeOffset FireTime);

public enum ChildState
{
    Initiated,
    Started,
}

/// <summary>A child started by this run and not yet closed (as the parent sees it).</summary>
public sealed record ChildInfo
{
    public required long InitiatedEventId { get; init; }
    public required StartChildWorkflowExecutionInitiatedEventAttributes Initiated { get; init; }
    public ChildState State { get; init; }
    public long StartedEventId { get; init; }
    public string? RunId { get; init; }
}

public enum ExternalRequestKind
{
    Signal,
    Cancel,
}

/// <summary>A SignalExternal or RequestCancelExternal command waiting for its delivery.</summary>
public sealed record ExternalRequestInfo(
    long InitiatedEventId,
    ExternalRequestKind Kind,
    string Namespace,
    string WorkflowId,
    string? RunId,
    bool ChildWorkflowOnly,
    SignalExternalWorkflowExecutionInitiatedEventAttributes? Signal = null,
    string Reason = "");

public enum UpdateStage
{
    Admitted,
    Sent,
    Accepted,
    Completed,
}

/// <summary>An update: admitted (waiting for a workflow task), sent to a worker, accepted, or completed.</summary>
public sealed record UpdateInfo
{
    public required string UpdateId { get; init; }
    public required Temporalio.Api.Update.V1.Request Request { get; init; }
    public UpdateStage Stage { get; init; }

    /// <summary>The scheduled event id of the workflow task that carried the request to a worker.</summary>
    public long SentInWorkflowTask { get; init; }
    public long AcceptedEventId { get; init; }
    public Temporalio.Api.Update.V1.Outcome? Outcome { get; init; }
}
