using EasyParkPlus.TemporalServer.History;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>Starting, signalling, cancelling and terminating workflow executions.</summary>
public sealed class ExecutionRpcs(HistoryEngine engine, WorkflowStarter starter, NamespaceRegistry namespaces, RunResolver runs)
{
    public void Map(RpcRegistry registry)
    {
        var ws = RpcRegistry.WorkflowService;
        registry.Map<StartWorkflowExecutionRequest, StartWorkflowExecutionResponse>(ws, "StartWorkflowExecution", StartAsync);
        registry.Map<SignalWithStartWorkflowExecutionRequest, SignalWithStartWorkflowExecutionResponse>(ws, "SignalWithStartWorkflowExecution", SignalWithStartAsync);
        registry.Map<SignalWorkflowExecutionRequest, SignalWorkflowExecutionResponse>(ws, "SignalWorkflowExecution", SignalAsync);
        registry.Map<RequestCancelWorkflowExecutionRequest, RequestCancelWorkflowExecutionResponse>(ws, "RequestCancelWorkflowExecution", RequestCancelAsync);
        registry.Map<TerminateWorkflowExecutionRequest, TerminateWorkflowExecutionResponse>(ws, "TerminateWorkflowExecution", TerminateAsync);
    }

    private async ValueTask<StartWorkflowExecutionResponse> StartAsync(StartWorkflowExecutionRequest r, RpcContext context)
    {
        var ns = namespaces.Require(r.Namespace);
        var attributes = StartedAttributes(ns, r.WorkflowId, r.WorkflowType?.Name, r.TaskQueue, r.Input, r.WorkflowExecutionTimeout, r.WorkflowRunTimeout,
            r.WorkflowTaskTimeout, r.RetryPolicy, r.CronSchedule, r.Memo, r.SearchAttributes, r.Header, r.Identity, r.WorkflowStartDelay);
        attributes.ContinuedFailure = r.ContinuedFailure;
        attributes.LastCompletionResult = r.LastCompletionResult;
        attributes.Priority = r.Priority;
        if (r.RequestEagerExecution && r.WorkflowStartDelay.IsPositive())
        {
            throw RpcError.InvalidArgument("CRON and WorkflowStartDelay are not compatible with eager execution.");
        }
        var result = await starter.StartAsync(new StartRequest(ns.Name, r.WorkflowId, attributes, RequestChecks.RequestId(r.RequestId),
            r.WorkflowIdReusePolicy, r.WorkflowIdConflictPolicy, r.WorkflowStartDelay.ToTimeSpanOrZero(),
            EagerIdentity: r.RequestEagerExecution ? r.Identity : null), context.CancellationToken);
        var response = new StartWorkflowExecutionResponse
        {
            RunId = result.RunId,
            Started = result.Started,
            Status = WorkflowExecutionStatus.Running,
        };
        if (result.EagerTask is { } eager)
        {
            response.EagerWorkflowTask = await WorkflowTaskResponses.BuildAsync(engine, eager, context.CancellationToken);
        }
        return response;
    }

    private async ValueTask<SignalWithStartWorkflowExecutionResponse> SignalWithStartAsync(SignalWithStartWorkflowExecutionRequest r, RpcContext context)
    {
        var ns = namespaces.Require(r.Namespace);
        RequestChecks.Id(r.SignalName, "SignalName");
        RequestChecks.Blob(r.SignalInput, "SignalInput");
        var attributes = StartedAttributes(ns, r.WorkflowId, r.WorkflowType?.Name, r.TaskQueue, r.Input, r.WorkflowExecutionTimeout, r.WorkflowRunTimeout,
            r.WorkflowTaskTimeout, r.RetryPolicy, r.CronSchedule, r.Memo, r.SearchAttributes, r.Header, r.Identity, r.WorkflowStartDelay);
        attributes.Priority = r.Priority;
        var requestId = RequestChecks.RequestId(r.RequestId);
        // Signal-with-start uses the running run unless told otherwise.
        var conflict = r.WorkflowIdConflictPolicy == WorkflowIdConflictPolicy.Unspecified ? WorkflowIdConflictPolicy.UseExisting : r.WorkflowIdConflictPolicy;
        var signal = new SignalDelivery(r.SignalName, r.SignalInput, r.Header, r.Identity, requestId);
        var result = await starter.StartAsync(new StartRequest(ns.Name, r.WorkflowId, attributes, requestId, r.WorkflowIdReusePolicy, conflict,
            r.WorkflowStartDelay.ToTimeSpanOrZero(), signal), context.CancellationToken);
        return new SignalWithStartWorkflowExecutionResponse { RunId = result.RunId, Started = result.Started };
    }

    /// <summary>The started-event attributes of a start request, checked the way Temporal's frontend checks them.</summary>
    private static WorkflowExecutionStartedEventAttributes StartedAttributes(
        Persistence.NamespaceRecord ns, string workflowId, string? workflowType, TaskQueue? taskQueue, Temporalio.Api.Common.V1.Payloads? input,
        Google.Protobuf.WellKnownTypes.Duration? executionTimeout, Google.Protobuf.WellKnownTypes.Duration? runTimeout, Google.Protobuf.WellKnownTypes.Duration? taskTimeout,
        Temporalio.Api.Common.V1.RetryPolicy? retryPolicy, string cronSchedule, Temporalio.Api.Common.V1.Memo? memo, Temporalio.Api.Common.V1.SearchAttributes? searchAttributes,
        Temporalio.Api.Common.V1.Header? header, string identity, Google.Protobuf.WellKnownTypes.Duration? startDelay)
    {
        RequestChecks.Id(workflowId, "WorkflowId");
        RequestChecks.Id(workflowType, "WorkflowType");
        RequestChecks.Id(taskQueue?.Name, "TaskQueue");
        RequestChecks.Timeout(executionTimeout, "WorkflowExecutionTimeout");
        RequestChecks.Timeout(runTimeout, "WorkflowRunTimeout");
        RequestChecks.Timeout(taskTimeout, "WorkflowTaskTimeout");
        RequestChecks.Timeout(startDelay, "WorkflowStartDelay");
        RequestChecks.Retry(retryPolicy);
        RequestChecks.Blob(input, "Input");
        RequestChecks.Memo(memo);
        RequestChecks.SearchAttributes(searchAttributes, ns);
        if (!string.IsNullOrEmpty(cronSchedule))
        {
            throw RpcError.InvalidArgument("Cron schedules are not supported by this server.");
        }
        return new WorkflowExecutionStartedEventAttributes
        {
            WorkflowType = new Temporalio.Api.Common.V1.WorkflowType { Name = workflowType },
            TaskQueue = new TaskQueue { Name = taskQueue!.Name, Kind = TaskQueueKind.Normal },
            Input = input,
            WorkflowExecutionTimeout = executionTimeout,
            WorkflowRunTimeout = runTimeout,
            WorkflowTaskTimeout = taskTimeout,
            RetryPolicy = retryPolicy,
            Memo = memo,
            SearchAttributes = searchAttributes,
            Header = header,
            Identity = identity,
        };
    }

    private async ValueTask<SignalWorkflowExecutionResponse> SignalAsync(SignalWorkflowExecutionRequest r, RpcContext context)
    {
        RequestChecks.Id(r.SignalName, "SignalName");
        RequestChecks.Blob(r.Input, "Input");
        var key = await runs.ResolveAsync(r.Namespace, r.WorkflowExecution, context.CancellationToken);
        var requestId = RequestChecks.RequestId(r.RequestId);
        await engine.UpdateAsync(key, tx =>
        {
            ExecutionRequests.Signal(tx, r.SignalName, r.Input, r.Header, r.Identity, requestId);
            return 0;
        }, context.CancellationToken);
        return new SignalWorkflowExecutionResponse();
    }

    private async ValueTask<RequestCancelWorkflowExecutionResponse> RequestCancelAsync(RequestCancelWorkflowExecutionRequest r, RpcContext context)
    {
        var key = await runs.ResolveAsync(r.Namespace, r.WorkflowExecution, context.CancellationToken);
        var requestId = RequestChecks.RequestId(r.RequestId);
        await engine.UpdateAsync(key, tx =>
        {
            RunResolver.CheckFirstRun(tx.State, r.FirstExecutionRunId);
            ExecutionRequests.RequestCancel(tx, r.Reason, r.Identity, requestId);
            return 0;
        }, context.CancellationToken);
        return new RequestCancelWorkflowExecutionResponse();
    }

    private async ValueTask<TerminateWorkflowExecutionResponse> TerminateAsync(TerminateWorkflowExecutionRequest r, RpcContext context)
    {
        RequestChecks.Blob(r.Details, "Details");
        var key = await runs.ResolveAsync(r.Namespace, r.WorkflowExecution, context.CancellationToken);
        await engine.UpdateAsync(key, tx =>
        {
            RunResolver.CheckFirstRun(tx.State, r.FirstExecutionRunId);
            ExecutionRequests.Terminate(tx, r.Reason, r.Details, r.Identity);
            return 0;
        }, context.CancellationToken);
        return new TerminateWorkflowExecutionResponse();
    }
}
