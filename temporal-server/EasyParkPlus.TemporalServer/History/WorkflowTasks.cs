using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.WorkflowService.V1;
using Failure = Temporalio.Api.Failure.V1.Failure;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>A workflow task as handed to a worker: enough to build its poll response once the start is committed.</summary>
/// <param name="Run">The run.</param>
/// <param name="WorkflowType">Its workflow type.</param>
/// <param name="NormalQueue">Its normal (not sticky) task queue.</param>
/// <param name="Task">The started task.</param>
/// <param name="PreviousStartedEventId">The started event of the last completed task.</param>
/// <param name="HistoryFrom">First committed event to send (1, or the one after the previous started event on a sticky queue).</param>
/// <param name="HistoryTo">Committed events to send end before this id.</param>
/// <param name="TransientEvents">Scheduled/started events of a transient task, which exist only in this response.</param>
/// <param name="Messages">Protocol messages (update requests) for the worker.</param>
public sealed record StartedWorkflowTask(
    RunKey Run,
    string WorkflowType,
    string NormalQueue,
    WorkflowTaskInfo Task,
    long PreviousStartedEventId,
    long HistoryFrom,
    long HistoryTo,
    IReadOnlyList<HistoryEvent> TransientEvents,
    IReadOnlyList<Message> Messages)
{
    public TaskToken Token => new(TaskTokenKind.WorkflowTask, Run, Task.ScheduledEventId, Task.Stamp, Task.Attempt);
}

/// <summary>Thrown inside a completion when a command or message is invalid: the task fails with this cause instead.</summary>
public sealed class WorkflowTaskFailedException(WorkflowTaskFailedCause cause, string message) : Exception(message)
{
    public WorkflowTaskFailedCause Cause { get; } = cause;
}

/// <summary>What a completed workflow task hands back: the next task (when asked for) and eagerly started activities.</summary>
public sealed record CompletedWorkflowTask(StartedWorkflowTask? NextTask, IReadOnlyList<PollActivityTaskQueueResponse> EagerActivities);

/// <summary>Transitions of the workflow task: started by a poller, completed with commands, failed, timed out.</summary>
public static class WorkflowTasks
{
    /// <summary>
    /// Records that a poller took the pending workflow task. Returns null when the queue task is stale (the run moved
    /// on, closed, or another poller took it). A transient task stays virtual unless new events arrived since it was
    /// scheduled, in which case it becomes a normal task (attempt 1) with real events.
    /// </summary>
    public static StartedWorkflowTask? RecordStarted(RunTransaction tx, long scheduledEventId, long stamp, string requestId, string identity, bool pollerSticky)
    {
        var s = tx.State;
        if (!s.IsRunning || s.WorkflowTask is not { } wft || wft.ScheduledEventId != scheduledEventId || wft.Stamp != stamp)
        {
            return null;
        }
        if (wft.IsStarted)
        {
            return null;
        }
        if (wft.OnStickyQueue && !pollerSticky)
        {
            // Handed to the normal queue (the sticky worker went away): the next worker needs the full history.
            s.Sticky = null;
        }
        else if (!wft.OnStickyQueue && pollerSticky)
        {
            return null;
        }
        return Start(tx, wft, requestId, identity);
    }

    /// <summary>Starts the workflow task just scheduled in this transaction for the caller itself (eager start).</summary>
    public static StartedWorkflowTask StartNow(RunTransaction tx, string requestId, string identity) =>
        Start(tx, tx.State.WorkflowTask ?? throw new InvalidOperationException("no workflow task scheduled"), requestId, identity);

    private static StartedWorkflowTask Start(RunTransaction tx, WorkflowTaskInfo wft, string requestId, string identity)
    {
        var s = tx.State;
        var scheduledId = wft.ScheduledEventId;
        var attempt = wft.Attempt;
        var transient = wft.Transient;
        if (transient && s.NextEventId != wft.ScheduledEventId)
        {
            attempt = 1;
            transient = false;
            s.WorkflowTaskAttempt = 1;
            scheduledId = tx.Append(tx.ScheduledEvent(wft.TaskQueue, wft.OnStickyQueue, wft.StartToCloseTimeout, 1)).EventId;
        }
        var startedEvent = new HistoryEvent
        {
            EventType = EventType.WorkflowTaskStarted,
            WorkflowTaskStartedEventAttributes = new()
            {
                ScheduledEventId = scheduledId,
                Identity = identity,
                RequestId = requestId,
                HistorySizeBytes = s.HistorySizeBytes,
                SuggestContinueAsNew = s.NextEventId >= ServerLimits.SuggestContinueAsNewEvents,
            },
        };
        long startedId;
        var transientEvents = new List<HistoryEvent>();
        if (transient)
        {
            startedId = scheduledId + 1;
            var scheduledEvent = tx.ScheduledEvent(wft.TaskQueue, wft.OnStickyQueue, wft.StartToCloseTimeout, attempt);
            scheduledEvent.EventId = scheduledId;
            scheduledEvent.EventTime = wft.ScheduledTime.ToProtoTimestamp();
            startedEvent.EventId = startedId;
            startedEvent.EventTime = tx.Now.ToProtoTimestamp();
            transientEvents.Add(scheduledEvent);
            transientEvents.Add(startedEvent);
        }
        else
        {
            startedId = tx.Append(startedEvent).EventId;
        }
        var started = wft with
        {
            ScheduledEventId = scheduledId,
            Attempt = attempt,
            Transient = transient,
            StartedEventId = startedId,
            StartedTime = tx.Now,
            StartedRequestId = requestId,
            StartedIdentity = identity,
            Stamp = s.NewStamp(),
        };
        s.WorkflowTask = started;
        tx.HasChanges = true;

        var messages = Updates.SendPending(tx, started);
        var partial = s.Sticky is not null && started.OnStickyQueue;
        return new StartedWorkflowTask(
            s.Key,
            s.WorkflowType,
            s.TaskQueue,
            started,
            s.LastCompletedWorkflowTaskStartedEventId,
            partial ? s.LastCompletedWorkflowTaskStartedEventId + 1 : 1,
            transient ? scheduledId : startedId + 1,
            transientEvents,
            messages);
    }

    /// <summary>
    /// Completes the started workflow task with the worker's commands and messages, in order. A close command that
    /// races buffered events fails the task with UNHANDLED_COMMAND (thrown, so the caller fails it on a clean state).
    /// </summary>
    public static CompletedWorkflowTask Complete(RunTransaction tx, TaskToken token, RespondWorkflowTaskCompletedRequest request, CommandRules rules)
    {
        var s = tx.State;
        var wft = RequireStarted(s, token);
        if (wft.Transient)
        {
            var scheduled = tx.ScheduledEvent(wft.TaskQueue, wft.OnStickyQueue, wft.StartToCloseTimeout, wft.Attempt);
            scheduled.EventTime = wft.ScheduledTime.ToProtoTimestamp();
            tx.Append(scheduled);
            tx.Append(new HistoryEvent
            {
                EventType = EventType.WorkflowTaskStarted,
                EventTime = wft.StartedTime!.Value.ToProtoTimestamp(),
                WorkflowTaskStartedEventAttributes = new()
                {
                    ScheduledEventId = wft.ScheduledEventId,
                    Identity = wft.StartedIdentity ?? "",
                    RequestId = wft.StartedRequestId ?? "",
                    HistorySizeBytes = s.HistorySizeBytes,
                },
            });
        }
        var completed = tx.Append(new HistoryEvent
        {
            EventType = EventType.WorkflowTaskCompleted,
            WorkflowTaskCompletedEventAttributes = new()
            {
                ScheduledEventId = wft.ScheduledEventId,
                StartedEventId = wft.StartedEventId,
                Identity = request.Identity,
                SdkMetadata = request.SdkMetadata,
                MeteringMetadata = request.MeteringMetadata,
            },
        });
        s.WorkflowTask = null;
        s.WorkflowTaskAttempt = 1;
        s.LastWorkflowTaskFailure = null;
        s.LastCompletedWorkflowTaskStartedEventId = wft.StartedEventId;
        s.Sticky = request.StickyAttributes?.WorkerTaskQueue is { Name.Length: > 0 } sticky
            ? new StickyQueue(sticky.Name, request.StickyAttributes.ScheduleToStartTimeout.ToTimeSpanOrZero())
            : null;

        var processor = new CommandProcessor(tx, rules, completed.EventId, request);
        processor.Run();
        if (!request.ForceCreateNewWorkflowTask && s.IsRunning)
        {
            // A worker must accept or reject every update it was sent; one it ignored is rejected for it.
            Updates.RejectUnprocessed(tx, wft.ScheduledEventId);
        }
        if (!s.IsRunning)
        {
            Updates.AbortOpen(tx, "Workflow completed before the update completed.");
        }

        var flushed = tx.FlushBuffered();
        StartedWorkflowTask? next = null;
        if (s.IsRunning && (request.ForceCreateNewWorkflowTask || flushed || processor.ActivityCanceledBeforeStart || Updates.HasUnsent(s)))
        {
            var scheduledTask = tx.ScheduleWorkflowTask(request.ForceCreateNewWorkflowTask ? wft.OriginalScheduledTime : null);
            if (request.ReturnNewWorkflowTask)
            {
                next = Start(tx, scheduledTask, "request-from-RespondWorkflowTaskCompleted", request.Identity);
            }
        }
        tx.NeedsWorkflowTask = false;
        return new CompletedWorkflowTask(next, processor.EagerActivities);
    }

    /// <summary>Fails the started workflow task (the worker's failure, or a bad command found by the server).</summary>
    public static void Fail(RunTransaction tx, TaskToken token, WorkflowTaskFailedCause cause, Failure? failure, string identity)
    {
        var wft = RequireStarted(tx.State, token);
        FailStarted(tx, wft, cause, failure, identity);
    }

    /// <summary>Fails whatever workflow task is started (terminate and timeouts force-close the run under it).</summary>
    public static void FailStartedForClose(RunTransaction tx)
    {
        if (tx.State.WorkflowTask is { IsStarted: true } wft)
        {
            FailStarted(tx, wft, WorkflowTaskFailedCause.ForceCloseCommand, null, "history-service");
        }
        else
        {
            tx.State.WorkflowTask = null;
        }
        tx.FlushBuffered();
    }

    private static void FailStarted(RunTransaction tx, WorkflowTaskInfo wft, WorkflowTaskFailedCause cause, Failure? failure, string identity)
    {
        var s = tx.State;
        if (!wft.Transient)
        {
            tx.Append(new HistoryEvent
            {
                EventType = EventType.WorkflowTaskFailed,
                WorkflowTaskFailedEventAttributes = new()
                {
                    ScheduledEventId = wft.ScheduledEventId,
                    StartedEventId = wft.StartedEventId,
                    Cause = cause,
                    Failure = failure,
                    Identity = identity,
                },
            });
        }
        // A worker that only drops its sticky cache does not count as a failed attempt (as in Temporal).
        AfterFailure(tx, incrementAttempt: cause != WorkflowTaskFailedCause.ResetStickyTaskQueue);
        s.LastWorkflowTaskFailure = failure ?? s.LastWorkflowTaskFailure;
    }

    /// <summary>The started task ran past its start-to-close timeout.</summary>
    public static void StartToCloseTimedOut(RunTransaction tx, long stamp)
    {
        var s = tx.State;
        if (!s.IsRunning || s.WorkflowTask is not { IsStarted: true } wft || wft.Stamp != stamp)
        {
            return;
        }
        if (!wft.Transient)
        {
            tx.Append(new HistoryEvent
            {
                EventType = EventType.WorkflowTaskTimedOut,
                WorkflowTaskTimedOutEventAttributes = new()
                {
                    ScheduledEventId = wft.ScheduledEventId,
                    StartedEventId = wft.StartedEventId,
                    TimeoutType = TimeoutType.StartToClose,
                },
            });
        }
        AfterFailure(tx, incrementAttempt: true);
        s.LastWorkflowTaskFailure = new Failure
        {
            Message = "Workflow task timed out",
            TimeoutFailureInfo = new() { TimeoutType = TimeoutType.StartToClose },
        };
    }

    /// <summary>No sticky worker took the task in time: it goes to the normal queue (full history, same attempt).</summary>
    public static void ScheduleToStartTimedOut(RunTransaction tx, long stamp)
    {
        var s = tx.State;
        if (!s.IsRunning || s.WorkflowTask is not { IsStarted: false, OnStickyQueue: true } wft || wft.Stamp != stamp)
        {
            return;
        }
        if (!wft.Transient)
        {
            tx.Append(new HistoryEvent
            {
                EventType = EventType.WorkflowTaskTimedOut,
                WorkflowTaskTimedOutEventAttributes = new()
                {
                    ScheduledEventId = wft.ScheduledEventId,
                    TimeoutType = TimeoutType.ScheduleToStart,
                },
            });
        }
        s.Sticky = null;
        s.WorkflowTask = null;
        tx.NeedsWorkflowTask = true;
        tx.HasChanges = true;
    }

    /// <summary>The worker that owned the sticky queue is gone: a task waiting there moves to the normal queue at once.</summary>
    public static void StickyWorkerGone(RunTransaction tx, string stickyQueue)
    {
        var s = tx.State;
        if (s.Sticky?.Name != stickyQueue)
        {
            return;
        }
        s.Sticky = null;
        tx.HasChanges = true;
        if (s.WorkflowTask is { IsStarted: false, OnStickyQueue: true } wft)
        {
            s.WorkflowTask = wft with { TaskQueue = s.TaskQueue, OnStickyQueue = false, Stamp = s.NewStamp() };
        }
    }

    private static void AfterFailure(RunTransaction tx, bool incrementAttempt)
    {
        var s = tx.State;
        // The retry goes to the normal queue with full history (the sticky worker's cache is suspect).
        s.Sticky = null;
        s.WorkflowTask = null;
        if (incrementAttempt)
        {
            s.WorkflowTaskAttempt++;
        }
        if (tx.FlushBuffered())
        {
            s.WorkflowTaskAttempt = 1;
        }
        tx.NeedsWorkflowTask = true;
        tx.HasChanges = true;
    }

    private static WorkflowTaskInfo RequireStarted(RunState s, TaskToken token)
    {
        if (!s.IsRunning || s.WorkflowTask is not { IsStarted: true } wft || wft.ScheduledEventId != token.ScheduledEventId || wft.Stamp != token.Stamp)
        {
            throw Frontend.RpcError.NotFound("Workflow task not found.");
        }
        return wft;
    }
}
