using EasyParkPlus.TemporalServer.Frontend;
using EasyParkPlus.TemporalServer.Persistence;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Failure = Temporalio.Api.Failure.V1.Failure;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>
/// Transitions of activities: an attempt starts, heartbeats, ends (completed, failed, canceled, timed out) and is
/// retried by the server per the retry policy. ActivityTaskStarted is written only when an attempt ends for good,
/// with its attempt count and the last failure, so retries leave no trace in the history but that one.
/// </summary>
public static class Activities
{
    /// <summary>Starts the current attempt for a poller (or eagerly for the completing worker).</summary>
    public static ActivityInfo Start(RunTransaction tx, ActivityInfo activity, string requestId, string identity)
    {
        var started = activity with
        {
            State = ActivityAttemptState.Started,
            StartedTime = tx.Now,
            StartedIdentity = identity,
            StartedRequestId = requestId,
            LastWorkerIdentity = identity,
            Stamp = tx.State.NewStamp(),
        };
        tx.State.Activities[activity.ScheduledEventId] = started;
        tx.HasChanges = true;
        return started;
    }

    /// <summary>Starts the attempt a queue task names, or returns null when the task is stale.</summary>
    public static ActivityInfo? RecordStarted(RunTransaction tx, long scheduledEventId, long stamp, string requestId, string identity)
    {
        if (!tx.State.IsRunning || !tx.State.Activities.TryGetValue(scheduledEventId, out var activity) || activity.Stamp != stamp
            || activity.State != ActivityAttemptState.Scheduled)
        {
            return null;
        }
        return Start(tx, activity, requestId, identity);
    }

    /// <summary>The task a worker runs for a started attempt.</summary>
    public static PollActivityTaskQueueResponse PollResponse(RunState s, ActivityInfo a) => new()
    {
        TaskToken = new TaskToken(TaskTokenKind.ActivityTask, s.Key, a.ScheduledEventId, a.Stamp, a.Attempt, a.ActivityId).Encode(),
        WorkflowNamespace = s.Key.Namespace,
        WorkflowType = s.Start.WorkflowType,
        WorkflowExecution = new WorkflowExecution { WorkflowId = s.Key.WorkflowId, RunId = s.Key.RunId },
        ActivityType = a.Scheduled.ActivityType,
        ActivityId = a.ActivityId,
        Header = a.Scheduled.Header,
        Input = a.Scheduled.Input,
        HeartbeatDetails = a.HeartbeatDetails,
        ScheduledTime = a.ScheduledTime.ToProtoTimestamp(),
        CurrentAttemptScheduledTime = a.CurrentAttemptScheduledTime.ToProtoTimestamp(),
        StartedTime = a.StartedTime.ToProtoTimestamp(),
        Attempt = a.Attempt,
        ScheduleToCloseTimeout = a.Scheduled.ScheduleToCloseTimeout,
        StartToCloseTimeout = a.Scheduled.StartToCloseTimeout,
        HeartbeatTimeout = a.Scheduled.HeartbeatTimeout,
        RetryPolicy = a.Scheduled.RetryPolicy,
        Priority = a.Scheduled.Priority,
    };

    /// <summary>The running attempt a token names (NotFound when it ended, was retried or the run closed).</summary>
    public static ActivityInfo RequireStarted(RunState s, TaskToken token)
    {
        if (!s.IsRunning || !s.Activities.TryGetValue(token.ScheduledEventId, out var a) || a.Stamp != token.Stamp || a.State != ActivityAttemptState.Started)
        {
            throw RpcError.NotFound("Activity task not found.");
        }
        return a;
    }

    /// <summary>The pending activity with this id, for the by-id completions (NotFound when none).</summary>
    public static ActivityInfo RequireById(RunState s, string activityId)
    {
        if (!s.IsRunning)
        {
            throw RpcError.NotFound("Workflow execution already completed.");
        }
        return s.Activities.Values.FirstOrDefault(a => a.ActivityId == activityId && a.State != ActivityAttemptState.BackingOff)
            ?? throw RpcError.NotFound($"Activity with id {activityId} not found.");
    }

    public static void Complete(RunTransaction tx, ActivityInfo a, Payloads? result, string identity)
    {
        End(tx, a, new HistoryEvent
        {
            EventType = EventType.ActivityTaskCompleted,
            ActivityTaskCompletedEventAttributes = new() { Result = result, ScheduledEventId = a.ScheduledEventId, Identity = identity },
        });
    }

    /// <summary>An attempt failed: retried after its backoff when the policy allows, else the activity fails.</summary>
    public static void Fail(RunTransaction tx, ActivityInfo a, Failure failure, Payloads? lastHeartbeatDetails, string identity)
    {
        if (lastHeartbeatDetails is not null)
        {
            a = a with { HeartbeatDetails = lastHeartbeatDetails };
        }
        var (delay, retryState) = RetryPolicies.Next(a.Scheduled.RetryPolicy, a.Attempt, failure, tx.Now, ScheduleToCloseDeadline(a));
        if (delay is { } backoff)
        {
            Retry(tx, a, failure, backoff, identity);
            return;
        }
        End(tx, a with { LastFailure = a.LastFailure }, new HistoryEvent
        {
            EventType = EventType.ActivityTaskFailed,
            ActivityTaskFailedEventAttributes = new() { Failure = failure, ScheduledEventId = a.ScheduledEventId, Identity = identity, RetryState = retryState },
        });
    }

    /// <summary>The worker confirmed the cancellation the workflow asked for.</summary>
    public static void Canceled(RunTransaction tx, ActivityInfo a, Payloads? details, string identity)
    {
        End(tx, a, new HistoryEvent
        {
            EventType = EventType.ActivityTaskCanceled,
            ActivityTaskCanceledEventAttributes = new()
            {
                Details = details,
                LatestCancelRequestedEventId = a.CancelRequestedEventId,
                ScheduledEventId = a.ScheduledEventId,
                Identity = identity,
            },
        });
    }

    /// <summary>Records a heartbeat (its details reach the next attempt); answers whether cancellation was requested.</summary>
    public static bool Heartbeat(RunTransaction tx, ActivityInfo a, Payloads? details)
    {
        tx.State.Activities[a.ScheduledEventId] = a with { HeartbeatDetails = details ?? a.HeartbeatDetails, LastHeartbeatTime = tx.Now };
        tx.HasChanges = true;
        return a.CancelRequested;
    }

    /// <summary>One of the activity's timers fired: a timeout (retried when the policy allows) or the end of a backoff.</summary>
    public static void OnTimer(RunTransaction tx, TimerTaskKey timer)
    {
        var s = tx.State;
        if (!s.IsRunning || !long.TryParse(timer.Entity, out var scheduledEventId) || !s.Activities.TryGetValue(scheduledEventId, out var a))
        {
            return;
        }
        if (timer.Kind != TimerKind.ActivityScheduleToClose && a.Stamp != timer.Stamp)
        {
            return;
        }
        switch (timer.Kind)
        {
            case TimerKind.ActivityRetry when a.State == ActivityAttemptState.BackingOff:
                s.Activities[a.ScheduledEventId] = a with
                {
                    State = ActivityAttemptState.Scheduled,
                    CurrentAttemptScheduledTime = tx.Now,
                    NextAttemptTime = null,
                    Stamp = s.NewStamp(),
                };
                tx.HasChanges = true;
                break;
            case TimerKind.ActivityScheduleToStart when a.State == ActivityAttemptState.Scheduled:
                TimedOut(tx, a, TimeoutType.ScheduleToStart, retryable: false);
                break;
            case TimerKind.ActivityScheduleToClose:
                TimedOut(tx, a, TimeoutType.ScheduleToClose, retryable: false);
                break;
            case TimerKind.ActivityStartToClose when a.State == ActivityAttemptState.Started:
                TimedOut(tx, a, TimeoutType.StartToClose, retryable: true);
                break;
            case TimerKind.ActivityHeartbeat when a.State == ActivityAttemptState.Started:
                var last = a.LastHeartbeatTime is { } beat && beat > a.StartedTime ? beat : a.StartedTime!.Value;
                if (last + a.Scheduled.HeartbeatTimeout.ToTimeSpanOrZero() <= tx.Now)
                {
                    TimedOut(tx, a, TimeoutType.Heartbeat, retryable: true);
                }
                break;
        }
    }

    private static void TimedOut(RunTransaction tx, ActivityInfo a, TimeoutType type, bool retryable)
    {
        var failure = new Failure
        {
            Message = $"activity {TimeoutName(type)} timeout",
            TimeoutFailureInfo = new() { TimeoutType = type, LastHeartbeatDetails = a.HeartbeatDetails },
        };
        var retryState = RetryState.Timeout;
        if (retryable)
        {
            var (delay, state) = RetryPolicies.Next(a.Scheduled.RetryPolicy, a.Attempt, failure, tx.Now, ScheduleToCloseDeadline(a));
            if (delay is { } backoff)
            {
                Retry(tx, a, failure, backoff, a.StartedIdentity ?? "");
                return;
            }
            retryState = state;
            if (state == RetryState.Timeout)
            {
                // As Temporal does: no time left for another attempt reads as a schedule-to-close timeout.
                type = TimeoutType.ScheduleToClose;
                failure = new Failure
                {
                    Message = "Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying",
                    TimeoutFailureInfo = new() { TimeoutType = type, LastHeartbeatDetails = a.HeartbeatDetails },
                };
            }
        }
        else if (type == TimeoutType.ScheduleToStart)
        {
            retryState = RetryState.NonRetryableFailure;
        }
        if (a.LastFailure is not null && type == TimeoutType.ScheduleToClose)
        {
            failure.Cause = a.LastFailure;
        }
        var ended = new HistoryEvent
        {
            EventType = EventType.ActivityTaskTimedOut,
            ActivityTaskTimedOutEventAttributes = new() { Failure = failure, ScheduledEventId = a.ScheduledEventId, RetryState = retryState },
        };
        if (a.State == ActivityAttemptState.Started)
        {
            End(tx, a, ended);
        }
        else
        {
            // It never started (or waits out a backoff): no started event to write.
            tx.AddExternal(ended);
            tx.State.Activities.Remove(a.ScheduledEventId);
        }
    }

    private static void Retry(RunTransaction tx, ActivityInfo a, Failure failure, TimeSpan backoff, string identity)
    {
        tx.State.Activities[a.ScheduledEventId] = a with
        {
            State = ActivityAttemptState.BackingOff,
            Attempt = a.Attempt + 1,
            LastFailure = failure,
            LastWorkerIdentity = identity,
            LastAttemptCompleteTime = tx.Now,
            NextAttemptTime = tx.Now + backoff,
            CurrentRetryInterval = backoff,
            StartedTime = null,
            StartedIdentity = null,
            StartedRequestId = null,
            Stamp = tx.State.NewStamp(),
        };
        tx.HasChanges = true;
    }

    // The attempt ends for good: its started event (with attempt and last failure), then the outcome.
    private static void End(RunTransaction tx, ActivityInfo a, HistoryEvent outcome)
    {
        var started = tx.AddExternal(new HistoryEvent
        {
            EventType = EventType.ActivityTaskStarted,
            EventTime = (a.StartedTime ?? tx.Now).ToProtoTimestamp(),
            ActivityTaskStartedEventAttributes = new()
            {
                ScheduledEventId = a.ScheduledEventId,
                Identity = a.StartedIdentity ?? "",
                RequestId = a.StartedRequestId ?? "",
                Attempt = a.Attempt,
                LastFailure = a.LastFailure,
            },
        });
        switch (outcome.EventType)
        {
            case EventType.ActivityTaskCompleted:
                outcome.ActivityTaskCompletedEventAttributes.StartedEventId = started.EventId;
                break;
            case EventType.ActivityTaskFailed:
                outcome.ActivityTaskFailedEventAttributes.StartedEventId = started.EventId;
                break;
            case EventType.ActivityTaskTimedOut:
                outcome.ActivityTaskTimedOutEventAttributes.StartedEventId = started.EventId;
                break;
            case EventType.ActivityTaskCanceled:
                outcome.ActivityTaskCanceledEventAttributes.StartedEventId = started.EventId;
                break;
        }
        tx.AddExternal(outcome);
        tx.State.Activities.Remove(a.ScheduledEventId);
    }

    private static DateTimeOffset? ScheduleToCloseDeadline(ActivityInfo a) =>
        a.Scheduled.ScheduleToCloseTimeout.IsPositive() ? a.ScheduledTime + a.Scheduled.ScheduleToCloseTimeout.ToTimeSpanOrZero() : null;

    private static string TimeoutName(TimeoutType type) => type switch
    {
        TimeoutType.StartToClose => "StartToClose",
        TimeoutType.ScheduleToStart => "ScheduleToStart",
        TimeoutType.ScheduleToClose => "ScheduleToClose",
        TimeoutType.Heartbeat => "Heartbeat",
        _ => "Unspecified",
    };
}
