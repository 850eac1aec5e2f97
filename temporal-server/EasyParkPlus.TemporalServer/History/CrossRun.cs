using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>
/// What a run learns about the effects it had on other runs: its child started (or could not), its child closed,
/// its signal or cancel request was delivered (or its target was not found). Each applies at most once: the pending
/// child or request is removed by the first.
/// </summary>
public static class CrossRun
{
    public static void ChildStarted(RunTransaction tx, long initiatedEventId, string childRunId)
    {
        var s = tx.State;
        if (!s.IsRunning || !s.Children.TryGetValue(initiatedEventId, out var child) || child.State != ChildState.Initiated)
        {
            return;
        }
        var e = tx.AddExternal(new HistoryEvent
        {
            EventType = EventType.ChildWorkflowExecutionStarted,
            ChildWorkflowExecutionStartedEventAttributes = new()
            {
                Namespace = child.Initiated.Namespace,
                InitiatedEventId = initiatedEventId,
                WorkflowExecution = new WorkflowExecution { WorkflowId = child.Initiated.WorkflowId, RunId = childRunId },
                WorkflowType = child.Initiated.WorkflowType,
                Header = child.Initiated.Header,
            },
        });
        s.Children[initiatedEventId] = child with { State = ChildState.Started, StartedEventId = e.EventId, RunId = childRunId };
    }

    public static void ChildStartFailed(RunTransaction tx, long initiatedEventId, StartChildWorkflowExecutionFailedCause cause)
    {
        var s = tx.State;
        if (!s.IsRunning || !s.Children.TryGetValue(initiatedEventId, out var child) || child.State != ChildState.Initiated)
        {
            return;
        }
        tx.AddExternal(new HistoryEvent
        {
            EventType = EventType.StartChildWorkflowExecutionFailed,
            StartChildWorkflowExecutionFailedEventAttributes = new()
            {
                Namespace = child.Initiated.Namespace,
                WorkflowId = child.Initiated.WorkflowId,
                WorkflowType = child.Initiated.WorkflowType,
                Cause = cause,
                InitiatedEventId = initiatedEventId,
                WorkflowTaskCompletedEventId = child.Initiated.WorkflowTaskCompletedEventId,
            },
        });
        s.Children.Remove(initiatedEventId);
    }

    /// <summary>The child (its last run, after any continue-as-new) closed with <paramref name="closeEvent"/>.</summary>
    public static void ChildClosed(RunTransaction tx, long initiatedEventId, HistoryEvent closeEvent)
    {
        var s = tx.State;
        if (!s.IsRunning || !s.Children.TryGetValue(initiatedEventId, out var child) || child.State != ChildState.Started)
        {
            return;
        }
        var execution = new WorkflowExecution { WorkflowId = child.Initiated.WorkflowId, RunId = child.RunId ?? "" };
        var ns = child.Initiated.Namespace;
        var type = child.Initiated.WorkflowType;
        var e = new HistoryEvent();
        switch (closeEvent.EventType)
        {
            case EventType.WorkflowExecutionCompleted:
                e.EventType = EventType.ChildWorkflowExecutionCompleted;
                e.ChildWorkflowExecutionCompletedEventAttributes = new()
                {
                    Result = closeEvent.WorkflowExecutionCompletedEventAttributes.Result,
                    Namespace = ns,
                    WorkflowExecution = execution,
                    WorkflowType = type,
                    InitiatedEventId = initiatedEventId,
                    StartedEventId = child.StartedEventId,
                };
                break;
            case EventType.WorkflowExecutionFailed:
                e.EventType = EventType.ChildWorkflowExecutionFailed;
                e.ChildWorkflowExecutionFailedEventAttributes = new()
                {
                    Failure = closeEvent.WorkflowExecutionFailedEventAttributes.Failure,
                    RetryState = closeEvent.WorkflowExecutionFailedEventAttributes.RetryState,
                    Namespace = ns,
                    WorkflowExecution = execution,
                    WorkflowType = type,
                    InitiatedEventId = initiatedEventId,
                    StartedEventId = child.StartedEventId,
                };
                break;
            case EventType.WorkflowExecutionCanceled:
                e.EventType = EventType.ChildWorkflowExecutionCanceled;
                e.ChildWorkflowExecutionCanceledEventAttributes = new()
                {
                    Details = closeEvent.WorkflowExecutionCanceledEventAttributes.Details,
                    Namespace = ns,
                    WorkflowExecution = execution,
                    WorkflowType = type,
                    InitiatedEventId = initiatedEventId,
                    StartedEventId = child.StartedEventId,
                };
                break;
            case EventType.WorkflowExecutionTimedOut:
                e.EventType = EventType.ChildWorkflowExecutionTimedOut;
                e.ChildWorkflowExecutionTimedOutEventAttributes = new()
                {
                    RetryState = closeEvent.WorkflowExecutionTimedOutEventAttributes.RetryState,
                    Namespace = ns,
                    WorkflowExecution = execution,
                    WorkflowType = type,
                    InitiatedEventId = initiatedEventId,
                    StartedEventId = child.StartedEventId,
                };
                break;
            case EventType.WorkflowExecutionTerminated:
                e.EventType = EventType.ChildWorkflowExecutionTerminated;
                e.ChildWorkflowExecutionTerminatedEventAttributes = new()
                {
                    Namespace = ns,
                    WorkflowExecution = execution,
                    WorkflowType = type,
                    InitiatedEventId = initiatedEventId,
                    StartedEventId = child.StartedEventId,
                };
                break;
            default:
                return;
        }
        tx.AddExternal(e);
        s.Children.Remove(initiatedEventId);
    }

    public static void ExternalSignaled(RunTransaction tx, long initiatedEventId, string? runId)
    {
        var s = tx.State;
        if (!s.IsRunning || !s.ExternalRequests.Remove(initiatedEventId, out var request))
        {
            return;
        }
        tx.AddExternal(new HistoryEvent
        {
            EventType = EventType.ExternalWorkflowExecutionSignaled,
            ExternalWorkflowExecutionSignaledEventAttributes = new()
            {
                InitiatedEventId = initiatedEventId,
                Namespace = request.Namespace,
                WorkflowExecution = new WorkflowExecution { WorkflowId = request.WorkflowId, RunId = runId ?? request.RunId ?? "" },
            },
        });
    }

    public static void ExternalSignalFailed(RunTransaction tx, long initiatedEventId)
    {
        var s = tx.State;
        if (!s.IsRunning || !s.ExternalRequests.Remove(initiatedEventId, out var request))
        {
            return;
        }
        tx.AddExternal(new HistoryEvent
        {
            EventType = EventType.SignalExternalWorkflowExecutionFailed,
            SignalExternalWorkflowExecutionFailedEventAttributes = new()
            {
                Cause = SignalExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound,
                Namespace = request.Namespace,
                WorkflowExecution = new WorkflowExecution { WorkflowId = request.WorkflowId, RunId = request.RunId ?? "" },
                InitiatedEventId = initiatedEventId,
            },
        });
    }

    public static void ExternalCancelRequested(RunTransaction tx, long initiatedEventId, string? runId)
    {
        var s = tx.State;
        if (!s.IsRunning || !s.ExternalRequests.Remove(initiatedEventId, out var request))
        {
            return;
        }
        tx.AddExternal(new HistoryEvent
        {
            EventType = EventType.ExternalWorkflowExecutionCancelRequested,
            ExternalWorkflowExecutionCancelRequestedEventAttributes = new()
            {
                InitiatedEventId = initiatedEventId,
                Namespace = request.Namespace,
                WorkflowExecution = new WorkflowExecution { WorkflowId = request.WorkflowId, RunId = runId ?? request.RunId ?? "" },
            },
        });
    }

    public static void ExternalCancelFailed(RunTransaction tx, long initiatedEventId)
    {
        var s = tx.State;
        if (!s.IsRunning || !s.ExternalRequests.Remove(initiatedEventId, out var request))
        {
            return;
        }
        tx.AddExternal(new HistoryEvent
        {
            EventType = EventType.RequestCancelExternalWorkflowExecutionFailed,
            RequestCancelExternalWorkflowExecutionFailedEventAttributes = new()
            {
                Cause = CancelExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound,
                Namespace = request.Namespace,
                WorkflowExecution = new WorkflowExecution { WorkflowId = request.WorkflowId, RunId = request.RunId ?? "" },
                InitiatedEventId = initiatedEventId,
            },
        });
    }
}
