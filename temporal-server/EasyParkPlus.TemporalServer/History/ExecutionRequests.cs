using EasyParkPlus.TemporalServer.Frontend;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>Requests from clients and other runs: signal, request cancellation, terminate; all idempotent by request id.</summary>
public static class ExecutionRequests
{
    /// <summary>Delivers a signal (a request id already applied is a no-op).</summary>
    public static void Signal(RunTransaction tx, string signalName, Payloads? input, Header? header, string identity, string requestId, WorkflowExecution? external = null)
    {
        var s = tx.State;
        if (!s.IsRunning)
        {
            throw RpcError.NotFound("workflow execution already completed");
        }
        if (!string.IsNullOrEmpty(requestId) && !s.RequestIds.Add(requestId))
        {
            return;
        }
        tx.AddExternal(new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionSignaled,
            WorkflowExecutionSignaledEventAttributes = new()
            {
                SignalName = signalName,
                Input = input,
                Identity = identity,
                Header = header,
                ExternalWorkflowExecution = external,
            },
        });
    }

    /// <summary>Asks the run to cancel itself (its workflow decides how); a repeated request is a no-op.</summary>
    public static void RequestCancel(RunTransaction tx, string reason, string identity, string requestId, long externalInitiatedEventId = 0, WorkflowExecution? external = null)
    {
        var s = tx.State;
        if (!s.IsRunning)
        {
            throw RpcError.NotFound("workflow execution already completed");
        }
        if (!string.IsNullOrEmpty(requestId) && !s.RequestIds.Add(requestId))
        {
            return;
        }
        if (s.CancelRequested)
        {
            tx.HasChanges = true;
            return;
        }
        s.CancelRequested = true;
        tx.AddExternal(new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionCancelRequested,
            WorkflowExecutionCancelRequestedEventAttributes = new()
            {
                Cause = reason,
                Identity = identity,
                ExternalInitiatedEventId = externalInitiatedEventId,
                ExternalWorkflowExecution = external,
            },
        });
    }

    public static void Terminate(RunTransaction tx, string reason, Payloads? details, string identity)
    {
        if (!tx.State.IsRunning)
        {
            throw RpcError.NotFound("workflow execution already completed");
        }
        RunClosing.Terminate(tx, reason, details, identity);
    }
}
