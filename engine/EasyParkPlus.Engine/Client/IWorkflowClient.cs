using System.Text.Json;
using EasyParkPlus.Engine.Store;

namespace EasyParkPlus.Engine;

/// <summary>Options of a workflow start.</summary>
public sealed record WorkflowOptions(string Id, string TaskQueue)
{
    /// <summary>What to do when the id is already running. Default: fail (unless the request id repeats).</summary>
    public WorkflowIdConflictPolicy IdConflictPolicy { get; init; } = WorkflowIdConflictPolicy.Fail;

    /// <summary>Makes the start idempotent: repeating it with the same request id returns the same run.</summary>
    public string? RequestId { get; init; }

    /// <summary>Search attributes the run starts with.</summary>
    public IReadOnlyDictionary<string, object?>? SearchAttributes { get; init; }
}

/// <summary>
/// Starts, signals, queries, cancels, terminates, describes and lists workflows. This is the untyped core; the
/// typed, expression-based API (<see cref="WorkflowClientExtensions"/>, <see cref="WorkflowHandle{TWorkflow}"/>) is built on it.
/// </summary>
public interface IWorkflowClient
{
    /// <summary>The workflow types this process knows (used to validate signals and answer queries).</summary>
    Runtime.WorkflowRegistry Registry { get; }

    /// <summary>Starts a run of <paramref name="workflowType"/>; the handle follows the workflow id.</summary>
    Task<WorkflowHandle> StartWorkflowAsync(string workflowType, JsonElement input, WorkflowOptions options, CancellationToken cancellationToken = default);

    /// <summary>Signals the running run of the id, or starts one and delivers the signal as its first event.</summary>
    Task<WorkflowHandle> SignalWithStartWorkflowAsync(string workflowType, JsonElement input, string signalName, JsonElement signalInput,
        WorkflowOptions options, CancellationToken cancellationToken = default);

    /// <summary>Sends a signal; a repeated <paramref name="requestId"/> is delivered once.</summary>
    Task SignalWorkflowAsync(string workflowId, string? runId, string signalName, JsonElement input, string? requestId = null, CancellationToken cancellationToken = default);

    /// <summary>Answers a query by replaying the run in this process (no worker round trip).</summary>
    Task<JsonElement?> QueryWorkflowAsync(string workflowId, string? runId, string queryName, JsonElement input, CancellationToken cancellationToken = default);

    /// <summary>Waits for the run to close and returns its result, following continue-as-new when <paramref name="followRuns"/>.</summary>
    /// <exception cref="WorkflowFailedException">The run failed, was cancelled, terminated or timed out.</exception>
    Task<JsonElement?> GetWorkflowResultAsync(string workflowId, string? runId, bool followRuns = true, CancellationToken cancellationToken = default);

    /// <summary>Status, pending activities and timers, and the last workflow task failure of a run.</summary>
    Task<WorkflowExecutionDescription> DescribeWorkflowAsync(string workflowId, string? runId = null, CancellationToken cancellationToken = default);

    /// <summary>Asks the running run to cancel; it may run compensation before it closes.</summary>
    Task CancelWorkflowAsync(string workflowId, string? runId = null, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>Closes the running run at once, recording <paramref name="reason"/>.</summary>
    Task TerminateWorkflowAsync(string workflowId, string? runId = null, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>The run's whole history.</summary>
    Task<IReadOnlyList<HistoryEvent>> GetWorkflowHistoryAsync(string workflowId, string? runId = null, CancellationToken cancellationToken = default);

    /// <summary>Lists runs, newest first, one page at a time.</summary>
    Task<WorkflowListPage> ListWorkflowsAsync(WorkflowListQuery query, CancellationToken cancellationToken = default);
}
