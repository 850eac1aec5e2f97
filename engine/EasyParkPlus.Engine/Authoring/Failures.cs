using System.Text.Json;

namespace EasyParkPlus.Engine;

/// <summary>Base of every exception the engine defines.</summary>
public class WorkflowEngineException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkflowEngineException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// A failure that crosses a boundary (activity → workflow, child → parent, workflow → client) and is recorded in
/// history. Its <see cref="Exception.InnerException"/> is the cause, itself a <see cref="FailureException"/>.
/// </summary>
public abstract class FailureException : WorkflowEngineException
{
    /// <summary>Creates the failure.</summary>
    protected FailureException(string message, Exception? cause) : base(message, cause) { }

    /// <summary>The stack trace recorded where the failure first happened, possibly in another process.</summary>
    public string? RecordedStackTrace { get; init; }
}

/// <summary>
/// A business failure. Thrown from a workflow it fails the workflow; thrown from an activity it fails the attempt,
/// and, when <see cref="NonRetryable"/> or its <see cref="ErrorType"/> is listed as non-retryable, the activity.
/// </summary>
public sealed class ApplicationFailureException : FailureException
{
    /// <summary>Creates an application failure.</summary>
    public ApplicationFailureException(string message, string? errorType = null, bool nonRetryable = false, object? details = null, Exception? cause = null)
        : base(message, cause)
    {
        ErrorType = errorType ?? nameof(ApplicationFailureException);
        NonRetryable = nonRetryable;
        Details = details is null ? null : details as JsonElement? ?? JsonSerializer.SerializeToElement(details, PayloadConverter.Options);
    }

    /// <summary>A stable name of the kind of failure, matched against <see cref="RetryPolicy.NonRetryableErrorTypes"/>.</summary>
    public string ErrorType { get; }

    /// <summary>Whether the activity must not be retried whatever its policy says.</summary>
    public bool NonRetryable { get; }

    /// <summary>Structured details, serialised as JSON.</summary>
    public JsonElement? Details { get; }

    /// <summary>The details as <typeparamref name="T"/>.</summary>
    public T? GetDetails<T>() => Details is { } d ? d.Deserialize<T>(PayloadConverter.Options) : default;
}

/// <summary>Something was cancelled: the workflow, an activity, a timer or a child.</summary>
public sealed class CanceledFailureException(string message, Exception? cause = null) : FailureException(message, cause);

/// <summary>The workflow was terminated by an operator or a parent close policy.</summary>
public sealed class TerminatedFailureException(string message) : FailureException(message, null);

/// <summary>The kind of timeout that expired.</summary>
public enum TimeoutType
{
    /// <summary>One attempt ran longer than its start-to-close timeout.</summary>
    StartToClose,

    /// <summary>The activity as a whole ran longer than its schedule-to-close timeout.</summary>
    ScheduleToClose,

    /// <summary>The attempt stopped heartbeating.</summary>
    Heartbeat,
}

/// <summary>An activity or workflow timed out.</summary>
public sealed class TimeoutFailureException(string message, TimeoutType timeoutType, Exception? lastAttemptFailure = null)
    : FailureException(message, lastAttemptFailure)
{
    /// <summary>Which timeout expired.</summary>
    public TimeoutType TimeoutType { get; } = timeoutType;
}

/// <summary>
/// An activity failed for good (after its retries). The cause is in <see cref="Exception.InnerException"/>:
/// an <see cref="ApplicationFailureException"/>, a <see cref="TimeoutFailureException"/> or a
/// <see cref="CanceledFailureException"/>.
/// </summary>
public sealed class ActivityFailureException(string activityType, long scheduledEventId, int attempt, Exception cause)
    : FailureException($"Activity {activityType} failed after {attempt} attempt(s): {cause.Message}", cause)
{
    /// <summary>The activity type name.</summary>
    public string ActivityType { get; } = activityType;

    /// <summary>The history event id that scheduled the activity.</summary>
    public long ScheduledEventId { get; } = scheduledEventId;

    /// <summary>The number of the last attempt.</summary>
    public int Attempt { get; } = attempt;
}

/// <summary>A child workflow failed, was cancelled, terminated or timed out; the cause is the inner exception.</summary>
public sealed class ChildWorkflowFailureException(string workflowType, string workflowId, Exception cause)
    : FailureException($"Child workflow {workflowType} ({workflowId}) failed: {cause.Message}", cause)
{
    /// <summary>The child's workflow type.</summary>
    public string WorkflowType { get; } = workflowType;

    /// <summary>The child's workflow id.</summary>
    public string WorkflowId { get; } = workflowId;
}

/// <summary>Thrown from a workflow to close this run and start a new one with the same id and a fresh history.</summary>
public sealed class ContinueAsNewException : WorkflowEngineException
{
    internal ContinueAsNewException(string workflowType, JsonElement input, ContinueAsNewOptions options)
        : base($"Workflow continues as new ({workflowType})")
    {
        WorkflowType = workflowType;
        Input = input;
        Options = options;
    }

    /// <summary>The workflow type of the next run.</summary>
    public string WorkflowType { get; }

    /// <summary>The next run's arguments as a JSON array.</summary>
    public JsonElement Input { get; }

    /// <summary>Options of the next run.</summary>
    public ContinueAsNewOptions Options { get; }
}

/// <summary>A replay produced commands that do not match the recorded history: the code changed incompatibly.</summary>
public sealed class WorkflowNondeterminismException(string message) : WorkflowEngineException(message);

/// <summary>Workflow code did something a replayed workflow must not do (e.g. awaited <c>Task.Delay</c>).</summary>
public sealed class WorkflowDeterminismViolationException(string message) : WorkflowEngineException(message);

/// <summary>A start found a running execution with the same workflow id.</summary>
public sealed class WorkflowAlreadyStartedException(string workflowId, string runId)
    : WorkflowEngineException($"Workflow {workflowId} is already running (run {runId}).")
{
    /// <summary>The workflow id.</summary>
    public string WorkflowId { get; } = workflowId;

    /// <summary>The run id of the running execution.</summary>
    public string RunId { get; } = runId;
}

/// <summary>No execution matches the workflow id (and run id), or it is not running when it must be.</summary>
public sealed class WorkflowNotFoundException(string workflowId, string? runId = null, string? detail = null)
    : WorkflowEngineException(detail ?? $"Workflow {workflowId}{(runId is null ? "" : $" (run {runId})")} not found.")
{
    /// <summary>The workflow id.</summary>
    public string WorkflowId { get; } = workflowId;
}

/// <summary>The workflow closed without a result: failed, cancelled, terminated or timed out. The cause is inner.</summary>
public sealed class WorkflowFailedException(string workflowId, string runId, WorkflowStatus status, Exception cause)
    : WorkflowEngineException($"Workflow {workflowId} (run {runId}) {status.ToString().ToLowerInvariant()}: {cause.Message}", cause)
{
    /// <summary>The workflow id.</summary>
    public string WorkflowId { get; } = workflowId;

    /// <summary>The run that closed.</summary>
    public string RunId { get; } = runId;

    /// <summary>How it closed.</summary>
    public WorkflowStatus Status { get; } = status;
}

/// <summary>A query could not be answered: unknown query, the handler threw, or the history cannot be replayed.</summary>
public sealed class WorkflowQueryFailedException(string message, Exception? inner = null) : WorkflowEngineException(message, inner);

/// <summary>A signal or query name the workflow type does not define, or arguments that do not fit.</summary>
public sealed class WorkflowInvalidArgumentException(string message, Exception? inner = null) : WorkflowEngineException(message, inner);
