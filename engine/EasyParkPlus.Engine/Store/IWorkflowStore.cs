using System.Text.Json;

namespace EasyParkPlus.Engine.Store;

/// <summary>
/// Durable state of the engine: executions, their histories, and the task, timer and visibility rows that follow
/// from them. Every method is one transaction. The store takes its notion of "now" from the caller, so a test
/// environment can drive a virtual clock over any store. Implementations: in memory (tests) and PostgreSQL.
/// </summary>
public interface IWorkflowStore
{
    /// <summary>Raised when work becomes available or a workflow closes (possibly from another process).</summary>
    event Action<WorkNotice>? WorkAvailable;

    // ----------------------------------------------------------------- client

    /// <summary>Starts a run (or, with <paramref name="signal"/>, signals the running one or starts it with that signal).</summary>
    /// <exception cref="WorkflowAlreadyStartedException">The id is running, the policy says fail, and the request id differs.</exception>
    Task<StartOutcome> StartWorkflowAsync(NewExecution execution, WorkflowIdConflictPolicy policy, SignalDelivery? signal, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Appends a signal to the running run of <paramref name="workflowId"/> (a repeated request id is a no-op).</summary>
    /// <exception cref="WorkflowNotFoundException">No such running run.</exception>
    Task SignalWorkflowAsync(string workflowId, string? runId, SignalDelivery signal, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Asks the running run to cancel (a repeated request is a no-op).</summary>
    Task RequestCancelWorkflowAsync(string workflowId, string? runId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Closes the running run at once; its code runs no further.</summary>
    Task TerminateWorkflowAsync(string workflowId, string? runId, string? reason, string? identity, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The run (the latest run of the id when <paramref name="runId"/> is null), or null.</summary>
    Task<WorkflowExecutionInfo?> GetExecutionAsync(string workflowId, string? runId, CancellationToken cancellationToken = default);

    /// <summary>Describes the run with its pending work, or null.</summary>
    Task<WorkflowExecutionDescription?> DescribeAsync(string workflowId, string? runId, CancellationToken cancellationToken = default);

    /// <summary>The run's history after <paramref name="afterEventId"/>, in order.</summary>
    Task<IReadOnlyList<HistoryEvent>> ReadHistoryAsync(ExecutionKey key, long afterEventId, CancellationToken cancellationToken = default);

    /// <summary>Lists runs matching <paramref name="query"/>, newest first.</summary>
    Task<WorkflowListPage> ListAsync(WorkflowListQuery query, CancellationToken cancellationToken = default);

    /// <summary>Lets this process be told (through <see cref="WorkAvailable"/>) when a run of <paramref name="workflowId"/> closes.</summary>
    Task WatchCloseAsync(string workflowId, bool watch, CancellationToken cancellationToken = default);

    // ----------------------------------------------------------------- workers

    /// <summary>Claims up to <paramref name="max"/> runnable workflow tasks of a queue.</summary>
    Task<IReadOnlyList<WorkflowTaskClaim>> ClaimWorkflowTasksAsync(string taskQueue, int max, string workerId, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Writes a workflow task's outcome atomically, or nothing (see <see cref="CommitResult"/>).</summary>
    Task<CommitResult> CommitWorkflowTaskAsync(WorkflowTaskCommit commit, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Records that a workflow task failed (a bug or non-determinism) and makes it runnable again at <paramref name="retryAt"/>.</summary>
    Task FailWorkflowTaskAsync(ExecutionKey key, long claimToken, Failure failure, DateTimeOffset retryAt, CancellationToken cancellationToken = default);

    /// <summary>Gives a claimed workflow task back (graceful shutdown).</summary>
    Task ReleaseWorkflowTaskAsync(ExecutionKey key, long claimToken, CancellationToken cancellationToken = default);

    /// <summary>Makes sure a workflow task is pending for a running run (e.g. to surface a problem found outside a task).</summary>
    Task RequestWorkflowTaskAsync(ExecutionKey key, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Claims up to <paramref name="max"/> runnable activity tasks of a queue (one attempt each).</summary>
    Task<IReadOnlyList<ActivityTaskClaim>> ClaimActivityTasksAsync(string taskQueue, int max, string workerId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends an activity: removes its task (if the claim still holds), appends the outcome events (ids assigned by the
    /// store) and schedules a workflow task. Returns false when the claim no longer holds (nothing written).
    /// </summary>
    Task<bool> CompleteActivityTaskAsync(ActivityTaskReference task, IReadOnlyList<HistoryEventAttributes> outcome, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Ends a failed attempt and schedules attempt <paramref name="nextAttempt"/> at <paramref name="visibleAt"/>.</summary>
    Task<bool> RetryActivityTaskAsync(ActivityTaskReference task, int nextAttempt, DateTimeOffset visibleAt, Failure failure, CancellationToken cancellationToken = default);

    /// <summary>Records a heartbeat and extends the lease; false when the activity was cancelled or the claim lost.</summary>
    Task<bool> HeartbeatActivityTaskAsync(ActivityTaskReference task, JsonElement? details, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default);

    /// <summary>Gives a claimed activity task back without counting an attempt (graceful shutdown).</summary>
    Task ReleaseActivityTaskAsync(ActivityTaskReference task, CancellationToken cancellationToken = default);

    /// <summary>Claims (with a new claim token, fencing out the old worker) activity attempts whose lease or deadline passed.</summary>
    Task<IReadOnlyList<ActivityTaskClaim>> ClaimExpiredActivityTasksAsync(int max, string workerId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Fires up to <paramref name="max"/> due timers (each removed with its TimerFired appended); returns the queues woken.</summary>
    Task<IReadOnlyList<string>> FireDueTimersAsync(int max, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The earliest moment at which some timer, backoff, lease or deadline becomes due, or null.</summary>
    Task<DateTimeOffset?> GetNextDueTimeAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes up to <paramref name="max"/> runs closed before <paramref name="closedBefore"/> with their history.</summary>
    Task<int> PurgeClosedAsync(DateTimeOffset closedBefore, int max, CancellationToken cancellationToken = default);
}
