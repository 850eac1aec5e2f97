using EasyParkPlus.TemporalServer.Persistence;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>
/// The one place that derives every row a transition implies. A run's timers, queue tasks and transfer tasks are
/// functions of its state, so a commit adds what the new state needs and the old did not, and removes what the old
/// needed and the new does not; its visibility record and current-run row come from the new state; its
/// time-skipping holds are counted from both. Every store thus writes exactly the same meaning for a transition.
/// </summary>
public static class RunEffects
{
    /// <summary>Builds the commit of one run from its state before (null for a new run) and after a transition.</summary>
    public static RunCommit Derive(RunState? before, RunState after, IReadOnlyList<HistoryEvent> events, CurrentRunGuard? becomeCurrent)
    {
        var timersBefore = before is null ? [] : Timers(before).ToDictionary(t => t.Key);
        var timersAfter = Timers(after).ToDictionary(t => t.Key);
        var queueBefore = before is null ? [] : QueueTasks(before).ToDictionary(t => t.Key);
        var queueAfter = QueueTasks(after).ToDictionary(t => t.Key);
        var transfersBefore = before is null ? [] : Transfers(before).ToDictionary(t => t.Key);
        var transfersAfter = Transfers(after).ToDictionary(t => t.Key);

        var statusChanged = before is null || before.Status != after.Status;
        return new RunCommit
        {
            Key = after.Key,
            ExpectedVersion = before?.Version ?? 0,
            State = after,
            Events = events,
            BecomeCurrent = becomeCurrent,
            Current = statusChanged ? new CurrentRun(after.Key.RunId, after.Status, after.StartRequestId, after.StartTime) : null,
            Visibility = before is null || events.Count > 0 || statusChanged || !ReferenceEquals(before.SearchAttributes, after.SearchAttributes) || !ReferenceEquals(before.Memo, after.Memo)
                ? Visibility(after)
                : null,
            // A timer whose key stays but whose time moves (a heartbeat) is replaced.
            AddedTimers = [.. timersAfter.Values.Where(t => !timersBefore.TryGetValue(t.Key, out var old) || old.FireTime != t.FireTime)],
            RemovedTimers = [.. timersBefore.Values.Where(t => !timersAfter.TryGetValue(t.Key, out var now) || now.FireTime != t.FireTime).Select(t => t.Key)],
            AddedQueueTasks = [.. queueAfter.Values.Where(t => !queueBefore.ContainsKey(t.Key))],
            RemovedQueueTasks = [.. queueBefore.Keys.Where(k => !queueAfter.ContainsKey(k))],
            AddedTransfers = [.. transfersAfter.Values.Where(t => !transfersBefore.ContainsKey(t.Key))],
            RemovedTransfers = [.. transfersBefore.Keys.Where(k => !transfersAfter.ContainsKey(k))],
        };
    }

    /// <summary>
    /// How many time-skipping holds the run's state implies: its pending workflow task and every activity attempt
    /// that is scheduled or running (not one waiting out its retry backoff). Cross-run effects hold their own.
    /// </summary>
    public static int TimeSkippingHolds(RunState? state)
    {
        if (state is null || !state.IsRunning)
        {
            return 0;
        }
        var holds = state.WorkflowTask is null ? 0 : 1;
        foreach (var activity in state.Activities.Values)
        {
            if (activity.State != ActivityAttemptState.BackingOff)
            {
                holds++;
            }
        }
        return holds;
    }

    /// <summary>The timers the state needs.</summary>
    public static IEnumerable<TimerTask> Timers(RunState s)
    {
        if (!s.IsRunning)
        {
            yield break;
        }
        var run = s.Key;
        foreach (var timer in s.Timers.Values)
        {
            yield return new TimerTask(new TimerTaskKey(run, TimerKind.UserTimer, timer.TimerId, timer.StartedEventId), timer.FireTime);
        }
        if (s.WorkflowTask is { } wft)
        {
            var entity = wft.ScheduledEventId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (wft.StartedTime is { } started)
            {
                yield return new TimerTask(new TimerTaskKey(run, TimerKind.WorkflowTaskStartToClose, entity, wft.Stamp), started + wft.StartToCloseTimeout);
            }
            else if (wft.OnStickyQueue && s.Sticky is { } sticky && sticky.ScheduleToStartTimeout > TimeSpan.Zero)
            {
                yield return new TimerTask(new TimerTaskKey(run, TimerKind.WorkflowTaskScheduleToStart, entity, wft.Stamp), wft.ScheduledTime + sticky.ScheduleToStartTimeout);
            }
        }
        foreach (var activity in s.Activities.Values)
        {
            var entity = activity.ScheduledEventId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var scheduled = activity.Scheduled;
            if (scheduled.ScheduleToCloseTimeout.IsPositive())
            {
                // Stamped 0: one deadline for all attempts.
                yield return new TimerTask(new TimerTaskKey(run, TimerKind.ActivityScheduleToClose, entity, 0), activity.ScheduledTime + scheduled.ScheduleToCloseTimeout.ToTimeSpanOrZero());
            }
            switch (activity.State)
            {
                case ActivityAttemptState.Scheduled when scheduled.ScheduleToStartTimeout.IsPositive():
                    yield return new TimerTask(new TimerTaskKey(run, TimerKind.ActivityScheduleToStart, entity, activity.Stamp),
                        activity.CurrentAttemptScheduledTime + scheduled.ScheduleToStartTimeout.ToTimeSpanOrZero());
                    break;
                case ActivityAttemptState.Started when activity.StartedTime is { } started:
                    if (scheduled.StartToCloseTimeout.IsPositive())
                    {
                        yield return new TimerTask(new TimerTaskKey(run, TimerKind.ActivityStartToClose, entity, activity.Stamp), started + scheduled.StartToCloseTimeout.ToTimeSpanOrZero());
                    }
                    if (scheduled.HeartbeatTimeout.IsPositive())
                    {
                        var last = activity.LastHeartbeatTime is { } beat && beat > started ? beat : started;
                        yield return new TimerTask(new TimerTaskKey(run, TimerKind.ActivityHeartbeat, entity, activity.Stamp), last + scheduled.HeartbeatTimeout.ToTimeSpanOrZero());
                    }
                    break;
                case ActivityAttemptState.BackingOff when activity.NextAttemptTime is { } next:
                    yield return new TimerTask(new TimerTaskKey(run, TimerKind.ActivityRetry, entity, activity.Stamp), next);
                    break;
            }
        }
        if (s.Start.WorkflowRunTimeout.IsPositive())
        {
            yield return new TimerTask(new TimerTaskKey(run, TimerKind.WorkflowRunTimeout, "", 0), s.StartTime + s.Start.WorkflowRunTimeout.ToTimeSpanOrZero());
        }
        if (s.Start.WorkflowExecutionExpirationTime is { } expiration)
        {
            yield return new TimerTask(new TimerTaskKey(run, TimerKind.WorkflowExecutionTimeout, "", 0), expiration.ToDateTimeOffset());
        }
        if (s.AwaitingStartBackoff)
        {
            yield return new TimerTask(new TimerTaskKey(run, TimerKind.WorkflowStartBackoff, "", 0), s.ExecutionTime);
        }
    }

    /// <summary>The tasks the state needs on task queues: a scheduled workflow task, scheduled activity attempts.</summary>
    public static IEnumerable<QueueTask> QueueTasks(RunState s)
    {
        if (!s.IsRunning)
        {
            yield break;
        }
        if (s.WorkflowTask is { IsStarted: false } wft)
        {
            yield return new QueueTask(new QueueTaskKey(s.Key, QueueTaskType.Workflow, wft.ScheduledEventId, wft.Stamp), wft.TaskQueue, wft.ScheduledTime);
        }
        foreach (var activity in s.Activities.Values)
        {
            if (activity.State == ActivityAttemptState.Scheduled)
            {
                yield return new QueueTask(new QueueTaskKey(s.Key, QueueTaskType.Activity, activity.ScheduledEventId, activity.Stamp), activity.TaskQueue,
                    activity.CurrentAttemptScheduledTime);
            }
        }
    }

    /// <summary>The cross-run effects the state still owes.</summary>
    public static IEnumerable<TransferTask> Transfers(RunState s)
    {
        var created = s.CloseTime ?? s.StartTime;
        foreach (var child in s.Children.Values)
        {
            if (s.IsRunning && child.State == ChildState.Initiated)
            {
                yield return new TransferTask(new TransferTaskKey(s.Key, TransferKind.StartChild, child.InitiatedEventId), created);
            }
            else if (!s.IsRunning && child.State == ChildState.Started && child.Initiated.ParentClosePolicy is ParentClosePolicy.Terminate or ParentClosePolicy.RequestCancel or ParentClosePolicy.Unspecified)
            {
                yield return new TransferTask(new TransferTaskKey(s.Key, TransferKind.ParentClosePolicy, child.InitiatedEventId), created);
            }
        }
        if (s.IsRunning)
        {
            foreach (var request in s.ExternalRequests.Values)
            {
                var kind = request.Kind == ExternalRequestKind.Signal ? TransferKind.SignalExternal : TransferKind.CancelExternal;
                yield return new TransferTask(new TransferTaskKey(s.Key, kind, request.InitiatedEventId), created);
            }
        }
        else if (s.Start.ParentWorkflowExecution is not null && s.CloseEvent is not null && s.NextRunId is null)
        {
            yield return new TransferTask(new TransferTaskKey(s.Key, TransferKind.NotifyParent, s.CloseEvent.EventId), created);
        }
    }

    /// <summary>The run as lists and counts see it.</summary>
    public static VisibilityRecord Visibility(RunState s) => new()
    {
        Key = s.Key,
        WorkflowType = s.WorkflowType,
        TaskQueue = s.TaskQueue,
        Status = s.Status,
        StartTime = s.StartTime,
        ExecutionTime = s.ExecutionTime,
        CloseTime = s.CloseTime,
        HistoryLength = s.NextEventId - 1,
        HistorySizeBytes = s.HistorySizeBytes,
        StateTransitionCount = s.StateTransitionCount,
        SearchAttributes = s.SearchAttributes,
        Memo = s.Memo,
        ParentExecution = s.Start.ParentWorkflowExecution,
        RootExecution = s.Start.RootWorkflowExecution ?? new WorkflowExecution { WorkflowId = s.Key.WorkflowId, RunId = s.Key.RunId },
        FirstRunId = string.IsNullOrEmpty(s.Start.FirstExecutionRunId) ? s.Key.RunId : s.Start.FirstExecutionRunId,
    };
}
