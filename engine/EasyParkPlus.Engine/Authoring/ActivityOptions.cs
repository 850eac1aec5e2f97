namespace EasyParkPlus.Engine;

/// <summary>Options of one activity invocation. At least one of the two close timeouts must be set.</summary>
public sealed record ActivityOptions
{
    /// <summary>The longest one attempt may run.</summary>
    public TimeSpan? StartToCloseTimeout { get; init; }

    /// <summary>The longest the whole activity may take, across all attempts and backoffs.</summary>
    public TimeSpan? ScheduleToCloseTimeout { get; init; }

    /// <summary>The longest an attempt may go without a heartbeat before it is considered lost.</summary>
    public TimeSpan? HeartbeatTimeout { get; init; }

    /// <summary>The retry policy; <see cref="RetryPolicy.Default"/> when null.</summary>
    public RetryPolicy? RetryPolicy { get; init; }

    /// <summary>The task queue of the activity; the workflow's own queue when null.</summary>
    public string? TaskQueue { get; init; }

    /// <summary>
    /// Cancels the activity; the workflow's <see cref="Workflow.CancellationToken"/> when null. Pass
    /// <see cref="CancellationToken.None"/> for compensation steps that must run after the workflow was cancelled.
    /// </summary>
    public CancellationToken? CancellationToken { get; init; }
}

/// <summary>Options of a child workflow started by a workflow.</summary>
public sealed record ChildWorkflowOptions
{
    /// <summary>The child's workflow id; derived from the parent's id and a sequence number when null.</summary>
    public string? Id { get; init; }

    /// <summary>The child's task queue; the parent's queue when null.</summary>
    public string? TaskQueue { get; init; }

    /// <summary>What happens to the child when the parent closes first.</summary>
    public ParentClosePolicy ParentClosePolicy { get; init; } = ParentClosePolicy.Terminate;

    /// <summary>Search attributes the child starts with.</summary>
    public IReadOnlyDictionary<string, object?>? SearchAttributes { get; init; }

    /// <summary>Requests cancellation of the child; the parent's cancellation token when null.</summary>
    public CancellationToken? CancellationToken { get; init; }
}

/// <summary>What happens to a running child when its parent closes.</summary>
public enum ParentClosePolicy
{
    /// <summary>The child is terminated.</summary>
    Terminate,

    /// <summary>The child is asked to cancel.</summary>
    RequestCancel,

    /// <summary>The child keeps running on its own.</summary>
    Abandon,
}

/// <summary>Options of the next run when a workflow continues as new.</summary>
public sealed record ContinueAsNewOptions
{
    /// <summary>The task queue of the next run; the current queue when null.</summary>
    public string? TaskQueue { get; init; }
}
