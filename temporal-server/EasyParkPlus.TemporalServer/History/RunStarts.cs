using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>Creating runs: a new start, a child, or the run that continues a closed one.</summary>
public static class RunStarts
{
    /// <summary>
    /// A transaction that creates a run from its started-event attributes: WorkflowExecutionStarted, then (unless the
    /// first task waits out <paramref name="firstTaskBackoff"/>) a first workflow task.
    /// </summary>
    public static RunTransaction Create(RunKey key, WorkflowExecutionStartedEventAttributes attributes, string requestId, DateTimeOffset now, TimeSpan firstTaskBackoff)
    {
        Normalize(attributes, key, now, firstTaskBackoff);
        var state = new RunState
        {
            Key = key,
            Start = attributes,
            StartRequestId = requestId,
            StartTime = now,
            ExecutionTime = now + firstTaskBackoff,
            SearchAttributes = attributes.SearchAttributes ?? new(),
            Memo = attributes.Memo ?? new(),
            AwaitingStartBackoff = firstTaskBackoff > TimeSpan.Zero,
        };
        state.RequestIds.Add(requestId);
        var tx = new RunTransaction(null, state, now);
        tx.Append(new HistoryEvent { EventType = EventType.WorkflowExecutionStarted, WorkflowExecutionStartedEventAttributes = attributes });
        tx.NeedsWorkflowTask = !state.AwaitingStartBackoff;
        return tx;
    }

    /// <summary>Fills in what Temporal fills in: the workflow task timeout, the run timeout, the expiration, the run ids.</summary>
    private static void Normalize(WorkflowExecutionStartedEventAttributes a, RunKey key, DateTimeOffset now, TimeSpan backoff)
    {
        a.WorkflowId = key.WorkflowId;
        a.TaskQueue = new TaskQueue { Name = a.TaskQueue?.Name ?? "", Kind = TaskQueueKind.Normal };
        var taskTimeout = a.WorkflowTaskTimeout.ToTimeSpanOrZero();
        if (taskTimeout <= TimeSpan.Zero)
        {
            taskTimeout = ServerLimits.DefaultWorkflowTaskTimeout;
        }
        if (taskTimeout > ServerLimits.MaxWorkflowTaskTimeout)
        {
            taskTimeout = ServerLimits.MaxWorkflowTaskTimeout;
        }
        var executionTimeout = a.WorkflowExecutionTimeout.ToTimeSpanOrZero();
        var runTimeout = a.WorkflowRunTimeout.ToTimeSpanOrZero();
        if (executionTimeout > TimeSpan.Zero && (runTimeout <= TimeSpan.Zero || runTimeout > executionTimeout))
        {
            runTimeout = executionTimeout;
        }
        if (runTimeout > TimeSpan.Zero && taskTimeout > runTimeout)
        {
            taskTimeout = runTimeout;
        }
        a.WorkflowTaskTimeout = taskTimeout.ToDuration();
        a.WorkflowRunTimeout = runTimeout > TimeSpan.Zero ? runTimeout.ToDuration() : null;
        a.WorkflowExecutionTimeout = executionTimeout > TimeSpan.Zero ? executionTimeout.ToDuration() : null;
        if (a.WorkflowExecutionExpirationTime is null && executionTimeout > TimeSpan.Zero)
        {
            a.WorkflowExecutionExpirationTime = (now + backoff + executionTimeout).ToProtoTimestamp();
        }
        if (backoff > TimeSpan.Zero)
        {
            a.FirstWorkflowTaskBackoff = backoff.ToDuration();
        }
        if (string.IsNullOrEmpty(a.FirstExecutionRunId))
        {
            a.FirstExecutionRunId = key.RunId;
        }
        if (string.IsNullOrEmpty(a.OriginalExecutionRunId))
        {
            a.OriginalExecutionRunId = key.RunId;
        }
        if (a.Attempt < 1)
        {
            a.Attempt = 1;
        }
    }

    /// <summary>
    /// The started attributes of the run that continues <paramref name="s"/> (continue-as-new or a retry): same id,
    /// parent and expiration; what the command sets, else what the closing run had.
    /// </summary>
    public static WorkflowExecutionStartedEventAttributes Successor(RunState s, string newRunId, ContinueAsNewInitiator initiator, Temporalio.Api.Command.V1.ContinueAsNewWorkflowExecutionCommandAttributes? command)
    {
        var old = s.Start;
        var retry = initiator == ContinueAsNewInitiator.Retry;
        return new WorkflowExecutionStartedEventAttributes
        {
            WorkflowType = command?.WorkflowType is { Name.Length: > 0 } type ? type : old.WorkflowType,
            TaskQueue = command?.TaskQueue is { Name.Length: > 0 } queue ? new TaskQueue { Name = queue.Name, Kind = TaskQueueKind.Normal } : old.TaskQueue,
            Input = command is null ? old.Input : command.Input,
            WorkflowRunTimeout = command?.WorkflowRunTimeout is { } run && run.IsPositive() ? run : old.WorkflowRunTimeout,
            WorkflowTaskTimeout = command?.WorkflowTaskTimeout is { } task && task.IsPositive() ? task : old.WorkflowTaskTimeout,
            WorkflowExecutionTimeout = old.WorkflowExecutionTimeout,
            WorkflowExecutionExpirationTime = old.WorkflowExecutionExpirationTime,
            ContinuedExecutionRunId = s.Key.RunId,
            Initiator = initiator,
            ContinuedFailure = command?.Failure,
            LastCompletionResult = command?.LastCompletionResult,
            OriginalExecutionRunId = newRunId,
            FirstExecutionRunId = string.IsNullOrEmpty(old.FirstExecutionRunId) ? s.Key.RunId : old.FirstExecutionRunId,
            RetryPolicy = command?.RetryPolicy ?? old.RetryPolicy,
            Attempt = retry ? old.Attempt + 1 : 1,
            Memo = command?.Memo ?? s.Memo,
            SearchAttributes = command?.SearchAttributes ?? s.SearchAttributes,
            Header = command is null ? old.Header : command.Header,
            ParentWorkflowNamespace = old.ParentWorkflowNamespace,
            ParentWorkflowNamespaceId = old.ParentWorkflowNamespaceId,
            ParentWorkflowExecution = old.ParentWorkflowExecution,
            ParentInitiatedEventId = old.ParentInitiatedEventId,
            RootWorkflowExecution = old.RootWorkflowExecution,
            Identity = old.Identity,
            WorkflowId = s.Key.WorkflowId,
        };
    }
}
