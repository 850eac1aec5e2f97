using System.Text.Json;

namespace EasyParkPlus.Engine;

/// <summary>What kind of failure a <see cref="Failure"/> records.</summary>
public enum FailureKind
{
    /// <summary>An application (business or unexpected) error.</summary>
    Application,

    /// <summary>A cancellation.</summary>
    Canceled,

    /// <summary>A termination.</summary>
    Terminated,

    /// <summary>A timeout.</summary>
    Timeout,

    /// <summary>An activity failed; the cause says why.</summary>
    Activity,

    /// <summary>A child workflow failed; the cause says why.</summary>
    ChildWorkflow,
}

/// <summary>The serialisable form of a <see cref="FailureException"/> chain, as recorded in history.</summary>
public sealed record Failure
{
    /// <summary>What kind of failure this is.</summary>
    public required FailureKind Kind { get; init; }

    /// <summary>The message.</summary>
    public required string Message { get; init; }

    /// <summary>For application failures: the error type matched by retry policies.</summary>
    public string? ErrorType { get; init; }

    /// <summary>For application failures: whether retries are ruled out.</summary>
    public bool NonRetryable { get; init; }

    /// <summary>Structured details.</summary>
    public JsonElement? Details { get; init; }

    /// <summary>For timeouts: which one.</summary>
    public TimeoutType? TimeoutType { get; init; }

    /// <summary>For activity failures: the activity type.</summary>
    public string? ActivityType { get; init; }

    /// <summary>For activity failures: the scheduling event; for child failures: the initiating event.</summary>
    public long? EventId { get; init; }

    /// <summary>For activity failures: the last attempt.</summary>
    public int? Attempt { get; init; }

    /// <summary>For child failures: the child's workflow id and type.</summary>
    public string? WorkflowId { get; init; }

    /// <summary>For child failures: the child's workflow type.</summary>
    public string? WorkflowType { get; init; }

    /// <summary>Where the failure was first thrown.</summary>
    public string? StackTrace { get; init; }

    /// <summary>The cause.</summary>
    public Failure? Cause { get; init; }

    /// <summary>Records an exception thrown by workflow or activity code.</summary>
    public static Failure FromException(Exception exception)
    {
        var cause = exception.InnerException is { } inner ? FromException(inner) : null;
        return exception switch
        {
            ApplicationFailureException app => new()
            {
                Kind = FailureKind.Application,
                Message = app.Message,
                ErrorType = app.ErrorType,
                NonRetryable = app.NonRetryable,
                Details = app.Details,
                StackTrace = app.RecordedStackTrace ?? app.StackTrace,
                Cause = cause,
            },
            CanceledFailureException canceled => new() { Kind = FailureKind.Canceled, Message = canceled.Message, Cause = cause },
            OperationCanceledException oce => new() { Kind = FailureKind.Canceled, Message = oce.Message },
            TerminatedFailureException terminated => new() { Kind = FailureKind.Terminated, Message = terminated.Message },
            TimeoutFailureException timeout => new()
            {
                Kind = FailureKind.Timeout,
                Message = timeout.Message,
                TimeoutType = timeout.TimeoutType,
                Cause = cause,
            },
            ActivityFailureException activity => new()
            {
                Kind = FailureKind.Activity,
                Message = activity.Message,
                ActivityType = activity.ActivityType,
                EventId = activity.ScheduledEventId,
                Attempt = activity.Attempt,
                Cause = cause,
            },
            ChildWorkflowFailureException child => new()
            {
                Kind = FailureKind.ChildWorkflow,
                Message = child.Message,
                WorkflowId = child.WorkflowId,
                WorkflowType = child.WorkflowType,
                Cause = cause,
            },
            _ => new()
            {
                Kind = FailureKind.Application,
                Message = exception.Message,
                ErrorType = exception.GetType().Name,
                StackTrace = exception.StackTrace,
                Cause = cause,
            },
        };
    }

    /// <summary>Rebuilds the exception chain this failure records.</summary>
    public FailureException ToException()
    {
        var cause = Cause?.ToException();
        return Kind switch
        {
            FailureKind.Application => new ApplicationFailureException(Message, ErrorType, NonRetryable, Details, cause) { RecordedStackTrace = StackTrace },
            FailureKind.Canceled => new CanceledFailureException(Message, cause),
            FailureKind.Terminated => new TerminatedFailureException(Message),
            FailureKind.Timeout => new TimeoutFailureException(Message, TimeoutType ?? Engine.TimeoutType.StartToClose, cause),
            FailureKind.Activity => new ActivityFailureException(ActivityType ?? "?", EventId ?? 0, Attempt ?? 1,
                cause ?? new ApplicationFailureException(Message)),
            FailureKind.ChildWorkflow => new ChildWorkflowFailureException(WorkflowType ?? "?", WorkflowId ?? "?",
                cause ?? new ApplicationFailureException(Message)),
            _ => new ApplicationFailureException(Message, ErrorType, NonRetryable, Details, cause),
        };
    }

    /// <summary>The innermost cause's message, for one-line summaries.</summary>
    public string RootMessage => Cause?.RootMessage ?? Message;
}
