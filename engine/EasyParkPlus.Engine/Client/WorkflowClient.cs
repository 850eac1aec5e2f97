using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using EasyParkPlus.Engine.Hosting;
using EasyParkPlus.Engine.Runtime;
using EasyParkPlus.Engine.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EasyParkPlus.Engine;

/// <summary>
/// The engine client over a store. When this process also runs a worker for the workflow's queue, starts run the
/// first workflow task here (one commit instead of three) and queries share the worker's cached instances.
/// </summary>
public sealed class WorkflowClient : IWorkflowClient
{
    private static readonly TimeSpan CloseRecheckInterval = TimeSpan.FromSeconds(30);

    private readonly IWorkflowStore _store;
    private readonly TimeProvider _time;
    private readonly WorkflowRuntime? _runtime;
    private readonly WorkflowCache _queryCache;
    private readonly ILoggerFactory _loggers;
    private readonly WorkflowEngineOptions _options;
    private readonly ConcurrentDictionary<string, List<TaskCompletionSource>> _closeWaiters = new(StringComparer.Ordinal);

    internal WorkflowClient(IWorkflowStore store, WorkflowRegistry registry, TimeProvider time, ILoggerFactory? loggers,
        WorkflowEngineOptions options, WorkflowRuntime? runtime)
    {
        _store = store;
        Registry = registry;
        _time = time;
        _runtime = runtime;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _options = options;
        _queryCache = runtime?.Cache ?? new WorkflowCache(Math.Min(options.CacheCapacity, 1000));
        _store.WorkAvailable += OnWorkAvailable;
    }

    /// <inheritdoc />
    public WorkflowRegistry Registry { get; }

    private void OnWorkAvailable(WorkNotice notice)
    {
        if (notice.Kind == WorkKind.Closed && _closeWaiters.TryRemove(notice.Name, out var waiters))
        {
            lock (waiters)
            {
                foreach (var waiter in waiters)
                {
                    waiter.TrySetResult();
                }
            }
        }
    }

    /// <inheritdoc />
    public async Task<WorkflowHandle> StartWorkflowAsync(string workflowType, JsonElement input, WorkflowOptions options, CancellationToken cancellationToken = default)
    {
        using var span = EngineTelemetry.Source.StartActivity($"StartWorkflow {workflowType}", ActivityKind.Producer);
        span?.SetTag("workflow.id", options.Id);
        var execution = NewExecution(workflowType, input, options);
        var outcome = _runtime is null ? null : await _runtime.TryStartEagerlyAsync(execution, cancellationToken).ConfigureAwait(false);
        outcome ??= await _store.StartWorkflowAsync(execution, options.IdConflictPolicy, null, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (outcome.Created)
        {
            EngineTelemetry.WorkflowsStarted.Add(1, new KeyValuePair<string, object?>("workflow.type", workflowType));
        }
        return new WorkflowHandle(this, options.Id, null, outcome.RunId);
    }

    /// <inheritdoc />
    public async Task<WorkflowHandle> SignalWithStartWorkflowAsync(string workflowType, JsonElement input, string signalName, JsonElement signalInput,
        WorkflowOptions options, CancellationToken cancellationToken = default)
    {
        using var span = EngineTelemetry.Source.StartActivity($"SignalWithStartWorkflow {workflowType}", ActivityKind.Producer);
        ValidateSignal(workflowType, signalName);
        var execution = NewExecution(workflowType, input, options);
        var outcome = await _store.StartWorkflowAsync(execution, WorkflowIdConflictPolicy.UseExisting,
            new SignalDelivery(signalName, signalInput, options.RequestId, EngineTelemetry.CurrentTraceParent), _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return new WorkflowHandle(this, options.Id, null, outcome.RunId);
    }

    private static NewExecution NewExecution(string workflowType, JsonElement input, WorkflowOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Id) || string.IsNullOrWhiteSpace(options.TaskQueue))
        {
            throw new WorkflowInvalidArgumentException("A workflow start needs a workflow id and a task queue.");
        }
        return new(options.Id, Guid.NewGuid().ToString(), workflowType, options.TaskQueue, input,
            options.SearchAttributes is null ? new Dictionary<string, JsonElement>() : SearchAttributeValues.ToJson(options.SearchAttributes),
            options.RequestId ?? Guid.NewGuid().ToString(), TraceParent: EngineTelemetry.CurrentTraceParent);
    }

    /// <inheritdoc />
    public async Task SignalWorkflowAsync(string workflowId, string? runId, string signalName, JsonElement input, string? requestId = null, CancellationToken cancellationToken = default)
    {
        using var span = EngineTelemetry.Source.StartActivity($"SignalWorkflow {signalName}", ActivityKind.Producer);
        span?.SetTag("workflow.id", workflowId);
        var delivery = new SignalDelivery(signalName, input, requestId, EngineTelemetry.CurrentTraceParent);
        if (_runtime is not null && await _runtime.TrySignalEagerlyAsync(workflowId, runId, delivery, type => ValidateSignal(type, signalName, input),
                cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        if (await _store.GetExecutionAsync(workflowId, runId, cancellationToken).ConfigureAwait(false) is { } execution)
        {
            ValidateSignal(execution.WorkflowType, signalName, input);
        }
        await _store.SignalWorkflowAsync(workflowId, runId, delivery, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Refuses a signal the workflow type (when known here) does not define, or arguments that cannot bind.</summary>
    private void ValidateSignal(string workflowType, string signalName, JsonElement? input = null)
    {
        if (Registry.FindWorkflow(workflowType) is not { } definition)
        {
            return;
        }
        if (!definition.Signals.TryGetValue(signalName, out var signal))
        {
            throw new WorkflowInvalidArgumentException(
                $"Workflow {workflowType} has no signal {signalName}. Its signals: {string.Join(", ", definition.Signals.Keys.Order(StringComparer.Ordinal))}.");
        }
        if (input is { } arguments)
        {
            PayloadConverter.FromArguments(arguments, signal.ParameterTypes, $"signal {signalName}");
        }
    }

    /// <inheritdoc />
    public async Task<JsonElement?> QueryWorkflowAsync(string workflowId, string? runId, string queryName, JsonElement input, CancellationToken cancellationToken = default)
    {
        var execution = await _store.GetExecutionAsync(workflowId, runId, cancellationToken).ConfigureAwait(false)
            ?? throw new WorkflowNotFoundException(workflowId, runId);
        var definition = Registry.FindWorkflow(execution.WorkflowType)
            ?? throw new WorkflowQueryFailedException($"Workflow type {execution.WorkflowType} is not registered in this process, so it cannot be queried here.");
        if (!definition.Queries.TryGetValue(queryName, out var query))
        {
            throw new WorkflowInvalidArgumentException(
                $"Workflow {execution.WorkflowType} has no query {queryName}. Its queries: {string.Join(", ", definition.Queries.Keys.Order(StringComparer.Ordinal))}.");
        }
        var arguments = PayloadConverter.FromArguments(input, query.ParameterTypes, $"query {queryName}");
        var key = new ExecutionKey(execution.WorkflowId, execution.RunId);

        using var lease = await _queryCache.AcquireAsync(key, cancellationToken).ConfigureAwait(false);
        var history = await _store.ReadHistoryAsync(key, lease.Instance?.LastEventId ?? 0, cancellationToken).ConfigureAwait(false);
        var complete = history.Take(WorkflowInstance.CompletedPrefixLength(history)).ToList();
        var instance = lease.Instance ??= new WorkflowInstance(definition, new WorkflowInfo(key.WorkflowId, key.RunId, execution.WorkflowType, execution.TaskQueue),
            _loggers.CreateLogger("EasyParkPlus.Workflows." + execution.WorkflowType), _options.SuggestContinueAsNewAfterEvents);
        try
        {
            await Activation.RunAsync(instance, complete, _time.GetUtcNow(), _options.Identity, _options.DeadlockTimeout, runLiveTask: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WorkflowNondeterminismException or WorkflowDeterminismViolationException or WorkflowTaskFailureException)
        {
            lease.Evict();
            throw new WorkflowQueryFailedException($"Workflow {workflowId} cannot be replayed to answer the query: {ex.Message}", ex);
        }
        var result = instance.Query(query, arguments);
        return query.ResultType == typeof(void) ? null : PayloadConverter.ToPayload(result, query.ResultType);
    }

    /// <inheritdoc />
    public async Task<JsonElement?> GetWorkflowResultAsync(string workflowId, string? runId, bool followRuns = true, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var execution = await _store.GetExecutionAsync(workflowId, runId, cancellationToken).ConfigureAwait(false)
                ?? throw new WorkflowNotFoundException(workflowId, runId);
            switch (execution.Status)
            {
                case WorkflowStatus.Running:
                    await WaitForCloseAsync(workflowId, runId, cancellationToken).ConfigureAwait(false);
                    continue;
                case WorkflowStatus.ContinuedAsNew when followRuns && execution.ContinuedAsRunId is { } next:
                    runId = next;
                    continue;
                case WorkflowStatus.Completed:
                    return execution.Result;
                default:
                    throw new WorkflowFailedException(workflowId, execution.RunId, execution.Status,
                        execution.Failure?.ToException() ?? new ApplicationFailureException($"Workflow {execution.Status}"));
            }
        }
    }

    private async Task WaitForCloseAsync(string workflowId, string? runId, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiters = _closeWaiters.GetOrAdd(workflowId, _ => []);
        lock (waiters)
        {
            waiters.Add(waiter);
        }
        await _store.WatchCloseAsync(workflowId, watch: true, cancellationToken).ConfigureAwait(false);
        try
        {
            // Re-check after subscribing, so a close between the first read and the subscription is not missed.
            if (await _store.GetExecutionAsync(workflowId, runId, cancellationToken).ConfigureAwait(false) is { Status: WorkflowStatus.Running })
            {
                try
                {
                    await waiter.Task.WaitAsync(CloseRecheckInterval, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
            }
        }
        finally
        {
            await _store.WatchCloseAsync(workflowId, watch: false, CancellationToken.None).ConfigureAwait(false);
            lock (waiters)
            {
                waiters.Remove(waiter);
            }
        }
    }

    /// <inheritdoc />
    public async Task<WorkflowExecutionDescription> DescribeWorkflowAsync(string workflowId, string? runId = null, CancellationToken cancellationToken = default) =>
        await _store.DescribeAsync(workflowId, runId, cancellationToken).ConfigureAwait(false) ?? throw new WorkflowNotFoundException(workflowId, runId);

    /// <inheritdoc />
    public Task CancelWorkflowAsync(string workflowId, string? runId = null, string? reason = null, CancellationToken cancellationToken = default) =>
        _store.RequestCancelWorkflowAsync(workflowId, runId, reason, _time.GetUtcNow(), cancellationToken);

    /// <inheritdoc />
    public Task TerminateWorkflowAsync(string workflowId, string? runId = null, string? reason = null, CancellationToken cancellationToken = default) =>
        _store.TerminateWorkflowAsync(workflowId, runId, reason, _options.Identity, _time.GetUtcNow(), cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<HistoryEvent>> GetWorkflowHistoryAsync(string workflowId, string? runId = null, CancellationToken cancellationToken = default)
    {
        var execution = await _store.GetExecutionAsync(workflowId, runId, cancellationToken).ConfigureAwait(false)
            ?? throw new WorkflowNotFoundException(workflowId, runId);
        return await _store.ReadHistoryAsync(new ExecutionKey(execution.WorkflowId, execution.RunId), 0, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<WorkflowListPage> ListWorkflowsAsync(WorkflowListQuery query, CancellationToken cancellationToken = default) =>
        _store.ListAsync(query, cancellationToken);
}
