using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Failure = Temporalio.Api.Failure.V1.Failure;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>Closing a run, and creating the run that follows it when one does (continue-as-new, workflow retry).</summary>
public static class RunClosing
{
    /// <summary>Appends the close event and closes the run: pending work stops counting (its timers and tasks go).</summary>
    public static HistoryEvent Close(RunTransaction tx, HistoryEvent closeEvent, WorkflowExecutionStatus status, string? nextRunId = null)
    {
        var s = tx.State;
        var appended = tx.Append(closeEvent);
        s.Status = status;
        s.CloseTime = tx.Now;
        s.CloseEvent = appended;
        s.NextRunId = nextRunId;
        s.WorkflowTask = null;
        s.Sticky = null;
        Updates.AbortOpen(tx, "Workflow execution closed before the update completed.");
        return appended;
    }

    /// <summary>
    /// Starts the next attempt of a failed or timed-out run when its retry policy allows; returns the retry state
    /// for the close event and the new run's id (null when not retried).
    /// </summary>
    public static (RetryState State, string? NewRunId) TryRetry(RunTransaction tx, Failure failure)
    {
        var s = tx.State;
        if (s.Start.RetryPolicy is not { } policy)
        {
            return (RetryState.RetryPolicyNotSet, null);
        }
        var deadline = s.Start.WorkflowExecutionExpirationTime?.ToDateTimeOffset();
        var (delay, state) = RetryPolicies.Next(policy, s.Start.Attempt, failure, tx.Now, deadline);
        if (delay is not { } backoff)
        {
            return (state, null);
        }
        var newRunId = Guid.NewGuid().ToString();
        var attributes = RunStarts.Successor(s, newRunId, ContinueAsNewInitiator.Retry, null);
        attributes.ContinuedFailure = failure;
        tx.NewRun = RunStarts.Create(tx.Key with { RunId = newRunId }, attributes, Guid.NewGuid().ToString(), tx.Now, backoff);
        return (RetryState.InProgress, newRunId);
    }

    /// <summary>Terminates the run now (after failing a started workflow task and flushing what it buffered).</summary>
    public static void Terminate(RunTransaction tx, string reason, Temporalio.Api.Common.V1.Payloads? details, string identity)
    {
        WorkflowTasks.FailStartedForClose(tx);
        Close(tx, new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionTerminated,
            WorkflowExecutionTerminatedEventAttributes = new() { Reason = reason, Details = details, Identity = identity },
        }, WorkflowExecutionStatus.Terminated);
    }

    /// <summary>The run's run or execution timeout passed: it times out (and retries when its policy allows a run timeout).</summary>
    public static void TimeOut(RunTransaction tx, bool executionTimeout)
    {
        if (!tx.State.IsRunning)
        {
            return;
        }
        WorkflowTasks.FailStartedForClose(tx);
        var failure = new Failure { Message = "Workflow timed out", TimeoutFailureInfo = new() { TimeoutType = TimeoutType.StartToClose } };
        var (retryState, newRunId) = executionTimeout ? (RetryState.Timeout, null) : TryRetry(tx, failure);
        Close(tx, new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionTimedOut,
            WorkflowExecutionTimedOutEventAttributes = new() { RetryState = retryState, NewExecutionRunId = newRunId ?? "" },
        }, WorkflowExecutionStatus.TimedOut, newRunId);
    }
}
