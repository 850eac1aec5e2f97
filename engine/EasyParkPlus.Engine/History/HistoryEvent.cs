using System.Text.Json;
using System.Text.Json.Serialization;

namespace EasyParkPlus.Engine;

/// <summary>
/// One entry of an execution's append-only history. Event ids are dense per run (1, 2, 3, …); a completion
/// names the event that scheduled it.
/// </summary>
public sealed record HistoryEvent(long EventId, DateTimeOffset Timestamp, HistoryEventAttributes Attributes)
{
    /// <summary>Temporal's name of the event type, e.g. <c>ActivityTaskScheduled</c>.</summary>
    public string EventType => Attributes.EventType;
}

/// <summary>The typed body of a history event. The JSON discriminator is the event type name.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "eventType")]
[JsonDerivedType(typeof(WorkflowExecutionStarted), nameof(WorkflowExecutionStarted))]
[JsonDerivedType(typeof(WorkflowTaskCompleted), nameof(WorkflowTaskCompleted))]
[JsonDerivedType(typeof(ActivityTaskScheduled), nameof(ActivityTaskScheduled))]
[JsonDerivedType(typeof(ActivityTaskStarted), nameof(ActivityTaskStarted))]
[JsonDerivedType(typeof(ActivityTaskCompleted), nameof(ActivityTaskCompleted))]
[JsonDerivedType(typeof(ActivityTaskFailed), nameof(ActivityTaskFailed))]
[JsonDerivedType(typeof(ActivityTaskTimedOut), nameof(ActivityTaskTimedOut))]
[JsonDerivedType(typeof(ActivityTaskCancelRequested), nameof(ActivityTaskCancelRequested))]
[JsonDerivedType(typeof(TimerStarted), nameof(TimerStarted))]
[JsonDerivedType(typeof(TimerFired), nameof(TimerFired))]
[JsonDerivedType(typeof(TimerCanceled), nameof(TimerCanceled))]
[JsonDerivedType(typeof(WorkflowExecutionSignaled), nameof(WorkflowExecutionSignaled))]
[JsonDerivedType(typeof(WorkflowExecutionCancelRequested), nameof(WorkflowExecutionCancelRequested))]
[JsonDerivedType(typeof(UpsertWorkflowSearchAttributes), nameof(UpsertWorkflowSearchAttributes))]
[JsonDerivedType(typeof(StartChildWorkflowExecutionInitiated), nameof(StartChildWorkflowExecutionInitiated))]
[JsonDerivedType(typeof(StartChildWorkflowExecutionFailed), nameof(StartChildWorkflowExecutionFailed))]
[JsonDerivedType(typeof(ChildWorkflowExecutionStarted), nameof(ChildWorkflowExecutionStarted))]
[JsonDerivedType(typeof(ChildWorkflowExecutionClosed), nameof(ChildWorkflowExecutionClosed))]
[JsonDerivedType(typeof(RequestCancelExternalWorkflowExecutionInitiated), nameof(RequestCancelExternalWorkflowExecutionInitiated))]
[JsonDerivedType(typeof(WorkflowExecutionCompleted), nameof(WorkflowExecutionCompleted))]
[JsonDerivedType(typeof(WorkflowExecutionFailed), nameof(WorkflowExecutionFailed))]
[JsonDerivedType(typeof(WorkflowExecutionCanceled), nameof(WorkflowExecutionCanceled))]
[JsonDerivedType(typeof(WorkflowExecutionTerminated), nameof(WorkflowExecutionTerminated))]
[JsonDerivedType(typeof(WorkflowExecutionContinuedAsNew), nameof(WorkflowExecutionContinuedAsNew))]
public abstract record HistoryEventAttributes
{
    /// <summary>The event type name.</summary>
    [JsonIgnore]
    public string EventType => GetType().Name;

    /// <summary>
    /// Whether workflow code produced this event as a command. Command events follow a
    /// <see cref="WorkflowTaskCompleted"/> and are matched against the code on replay; all other events are inputs.
    /// </summary>
    [JsonIgnore]
    public virtual bool IsCommand => false;

    /// <summary>Whether this event closes the run.</summary>
    [JsonIgnore]
    public virtual bool ClosesRun => false;

    /// <summary>A short human description, for non-determinism messages and the console.</summary>
    public virtual string Describe() => EventType;
}

/// <summary>The run started.</summary>
public sealed record WorkflowExecutionStarted(
    string WorkflowType,
    string TaskQueue,
    JsonElement Input,
    IReadOnlyDictionary<string, JsonElement>? SearchAttributes = null,
    string? ParentWorkflowId = null,
    string? ParentRunId = null,
    long? ParentInitiatedEventId = null,
    string? ContinuedFromRunId = null,
    string? TraceParent = null,
    string? RequestId = null) : HistoryEventAttributes;

/// <summary>A workflow task completed; its timestamp is the workflow time (<see cref="Workflow.UtcNow"/>) of that task.</summary>
public sealed record WorkflowTaskCompleted(string? Identity = null) : HistoryEventAttributes;

/// <summary>The workflow scheduled an activity.</summary>
public sealed record ActivityTaskScheduled(
    string ActivityType,
    string TaskQueue,
    JsonElement Input,
    TimeSpan? StartToCloseTimeout,
    TimeSpan? ScheduleToCloseTimeout,
    TimeSpan? HeartbeatTimeout,
    RetryPolicy RetryPolicy) : HistoryEventAttributes
{
    /// <inheritdoc />
    public override bool IsCommand => true;

    /// <inheritdoc />
    public override string Describe() => $"ActivityTaskScheduled({ActivityType})";
}

/// <summary>The attempt that ended the activity started (written together with its outcome).</summary>
public sealed record ActivityTaskStarted(long ScheduledEventId, int Attempt, string? Identity = null, Failure? LastFailure = null) : HistoryEventAttributes;

/// <summary>The activity completed.</summary>
public sealed record ActivityTaskCompleted(long ScheduledEventId, JsonElement? Result) : HistoryEventAttributes;

/// <summary>The activity failed for good.</summary>
public sealed record ActivityTaskFailed(long ScheduledEventId, Failure Failure) : HistoryEventAttributes;

/// <summary>The activity timed out for good.</summary>
public sealed record ActivityTaskTimedOut(long ScheduledEventId, Failure Failure) : HistoryEventAttributes;

/// <summary>The workflow asked to cancel an activity (it stops waiting for it at once).</summary>
public sealed record ActivityTaskCancelRequested(long ScheduledEventId) : HistoryEventAttributes
{
    /// <inheritdoc />
    public override bool IsCommand => true;
}

/// <summary>The workflow started a timer.</summary>
public sealed record TimerStarted(int TimerId, DateTimeOffset FireAt) : HistoryEventAttributes
{
    /// <inheritdoc />
    public override bool IsCommand => true;

    /// <inheritdoc />
    public override string Describe() => $"TimerStarted(#{TimerId})";
}

/// <summary>A timer fired.</summary>
public sealed record TimerFired(long StartedEventId) : HistoryEventAttributes;

/// <summary>The workflow cancelled a timer.</summary>
public sealed record TimerCanceled(long StartedEventId) : HistoryEventAttributes
{
    /// <inheritdoc />
    public override bool IsCommand => true;
}

/// <summary>A signal arrived.</summary>
public sealed record WorkflowExecutionSignaled(string SignalName, JsonElement Input, string? RequestId = null, string? TraceParent = null)
    : HistoryEventAttributes
{
    /// <inheritdoc />
    public override string Describe() => $"WorkflowExecutionSignaled({SignalName})";
}

/// <summary>Someone asked the workflow to cancel.</summary>
public sealed record WorkflowExecutionCancelRequested(string? Reason, string? RequestId = null) : HistoryEventAttributes;

/// <summary>The workflow changed its search attributes (a null value removes the key).</summary>
public sealed record UpsertWorkflowSearchAttributes(IReadOnlyDictionary<string, JsonElement?> SearchAttributes) : HistoryEventAttributes
{
    /// <inheritdoc />
    public override bool IsCommand => true;
}

/// <summary>The workflow asked for a child workflow to start.</summary>
public sealed record StartChildWorkflowExecutionInitiated(
    string WorkflowId,
    string WorkflowType,
    string TaskQueue,
    JsonElement Input,
    ParentClosePolicy ParentClosePolicy,
    IReadOnlyDictionary<string, JsonElement>? SearchAttributes = null) : HistoryEventAttributes
{
    /// <inheritdoc />
    public override bool IsCommand => true;

    /// <inheritdoc />
    public override string Describe() => $"StartChildWorkflowExecutionInitiated({WorkflowType}, {WorkflowId})";
}

/// <summary>The child could not start (its id is already running).</summary>
public sealed record StartChildWorkflowExecutionFailed(long InitiatedEventId, string WorkflowId, string Cause) : HistoryEventAttributes;

/// <summary>The child started.</summary>
public sealed record ChildWorkflowExecutionStarted(long InitiatedEventId, string WorkflowId, string RunId) : HistoryEventAttributes;

/// <summary>The child closed (completed, failed, cancelled, terminated or timed out).</summary>
public sealed record ChildWorkflowExecutionClosed(long InitiatedEventId, string WorkflowId, string RunId, WorkflowStatus Status, JsonElement? Result, Failure? Failure)
    : HistoryEventAttributes;

/// <summary>The workflow asked another workflow (its child) to cancel.</summary>
public sealed record RequestCancelExternalWorkflowExecutionInitiated(string WorkflowId, string? RunId) : HistoryEventAttributes
{
    /// <inheritdoc />
    public override bool IsCommand => true;
}

/// <summary>The run completed with a result.</summary>
public sealed record WorkflowExecutionCompleted(JsonElement? Result) : HistoryEventAttributes
{
    /// <inheritdoc />
    public override bool IsCommand => true;

    /// <inheritdoc />
    public override bool ClosesRun => true;
}

/// <summary>The run failed.</summary>
public sealed record WorkflowExecutionFailed(Failure Failure) : HistoryEventAttributes
{
    /// <inheritdoc />
    public override bool IsCommand => true;

    /// <inheritdoc />
    public override bool ClosesRun => true;
}

/// <summary>The run accepted its cancellation.</summary>
public sealed record WorkflowExecutionCanceled(string? Details) : HistoryEventAttributes
{
    /// <inheritdoc />
    public override bool IsCommand => true;

    /// <inheritdoc />
    public override bool ClosesRun => true;
}

/// <summary>The run was terminated from outside; its code ran no further.</summary>
public sealed record WorkflowExecutionTerminated(string? Reason, string? Identity = null) : HistoryEventAttributes
{
    /// <inheritdoc />
    public override bool ClosesRun => true;
}

/// <summary>The run closed and a new run of the same workflow id started.</summary>
public sealed record WorkflowExecutionContinuedAsNew(string NewRunId, string WorkflowType, string TaskQueue, JsonElement Input)
    : HistoryEventAttributes
{
    /// <inheritdoc />
    public override bool IsCommand => true;

    /// <inheritdoc />
    public override bool ClosesRun => true;
}
