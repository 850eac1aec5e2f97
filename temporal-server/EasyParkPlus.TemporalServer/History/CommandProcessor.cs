using Temporalio.Api.Command.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.WorkflowService.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>What commands are checked against: the namespace's search attributes, eager dispatch, known namespaces.</summary>
public sealed record CommandRules(Func<string, IndexedValueType?> SearchAttributeType, bool EagerActivities, Func<string, bool> NamespaceExists);

/// <summary>
/// Turns the commands and protocol messages of one workflow task completion into events and state, in order, as
/// Temporal's history service does. An invalid command fails the workflow task with the matching cause
/// (<see cref="WorkflowTaskFailedException"/>); nothing of the completion is kept then.
/// </summary>
public sealed partial class CommandProcessor(RunTransaction tx, CommandRules rules, long completedEventId, RespondWorkflowTaskCompletedRequest request)
{
    private readonly Dictionary<string, Message> _messages = request.Messages.ToDictionary(m => m.Id, StringComparer.Ordinal);
    private readonly List<PollActivityTaskQueueResponse> _eager = [];
    private readonly List<long> _eagerRequested = [];

    private RunState S => tx.State;

    /// <summary>Whether an activity was canceled before it started (the workflow must learn it in a new task).</summary>
    public bool ActivityCanceledBeforeStart { get; private set; }

    public IReadOnlyList<PollActivityTaskQueueResponse> EagerActivities => _eager;

    public void Run()
    {
        for (var i = 0; i < request.Commands.Count; i++)
        {
            var command = request.Commands[i];
            if (!S.IsRunning)
            {
                throw Fail(WorkflowTaskFailedCause.BadCompleteWorkflowExecutionAttributes,
                    $"invalid command sequence: {command.CommandType} follows a command that closed the workflow");
            }
            var e = Handle(command);
            if (e is not null && command.UserMetadata is not null)
            {
                e.UserMetadata = command.UserMetadata;
            }
        }
        // Messages that no protocol command placed are handled after the commands, in request order.
        foreach (var message in request.Messages)
        {
            if (_messages.Remove(message.Id))
            {
                Updates.OnMessage(tx, message, completedEventId);
            }
        }
        foreach (var scheduledEventId in _eagerRequested)
        {
            StartEagerly(scheduledEventId);
        }
    }

    private HistoryEvent? Handle(Command command) => command.CommandType switch
    {
        CommandType.ScheduleActivityTask => ScheduleActivity(command.ScheduleActivityTaskCommandAttributes),
        CommandType.RequestCancelActivityTask => RequestCancelActivity(command.RequestCancelActivityTaskCommandAttributes),
        CommandType.StartTimer => StartTimer(command.StartTimerCommandAttributes),
        CommandType.CancelTimer => CancelTimer(command.CancelTimerCommandAttributes),
        CommandType.CompleteWorkflowExecution => CompleteWorkflow(command.CompleteWorkflowExecutionCommandAttributes),
        CommandType.FailWorkflowExecution => FailWorkflow(command.FailWorkflowExecutionCommandAttributes),
        CommandType.CancelWorkflowExecution => CancelWorkflow(command.CancelWorkflowExecutionCommandAttributes),
        CommandType.ContinueAsNewWorkflowExecution => ContinueAsNew(command.ContinueAsNewWorkflowExecutionCommandAttributes),
        CommandType.RecordMarker => RecordMarker(command.RecordMarkerCommandAttributes),
        CommandType.StartChildWorkflowExecution => StartChild(command.StartChildWorkflowExecutionCommandAttributes),
        CommandType.SignalExternalWorkflowExecution => SignalExternal(command.SignalExternalWorkflowExecutionCommandAttributes),
        CommandType.RequestCancelExternalWorkflowExecution => CancelExternal(command.RequestCancelExternalWorkflowExecutionCommandAttributes),
        CommandType.UpsertWorkflowSearchAttributes => UpsertSearchAttributes(command.UpsertWorkflowSearchAttributesCommandAttributes),
        CommandType.ModifyWorkflowProperties => ModifyProperties(command.ModifyWorkflowPropertiesCommandAttributes),
        CommandType.ProtocolMessage => ProtocolMessage(command.ProtocolMessageCommandAttributes),
        CommandType.ScheduleNexusOperation or CommandType.RequestCancelNexusOperation =>
            throw Fail(WorkflowTaskFailedCause.BadScheduleNexusOperationAttributes, "Nexus operations are not supported by this server."),
        _ => throw Fail(WorkflowTaskFailedCause.UnhandledCommand, $"Unknown command type: {command.CommandType}"),
    };

    private HistoryEvent ScheduleActivity(ScheduleActivityTaskCommandAttributes? a)
    {
        const WorkflowTaskFailedCause Bad = WorkflowTaskFailedCause.BadScheduleActivityAttributes;
        if (a is null)
        {
            throw Fail(Bad, "ScheduleActivityTaskCommandAttributes is not set on command.");
        }
        if (string.IsNullOrEmpty(a.ActivityId) || a.ActivityId.Length > ServerLimits.MaxIdLength)
        {
            throw Fail(Bad, "ActivityId is not set on command.");
        }
        if (string.IsNullOrEmpty(a.ActivityType?.Name))
        {
            throw Fail(Bad, "ActivityType is not set on command.");
        }
        if (RetryPolicies.Validate(a.RetryPolicy) is { } policyError)
        {
            throw Fail(Bad, policyError);
        }
        if (a.Input is not null && a.Input.CalculateSize() > ServerLimits.BlobSizeLimit)
        {
            throw Fail(Bad, "ScheduleActivityTaskCommandAttributes.Input exceeds size limit.");
        }
        if (S.Activities.Values.Any(x => x.ActivityId == a.ActivityId))
        {
            throw Fail(WorkflowTaskFailedCause.ScheduleActivityDuplicateId, $"Already open activity with {a.ActivityId}");
        }
        var timeouts = ActivityTimeouts.Normalize(a, S.Start.WorkflowRunTimeout.ToTimeSpanOrZero());
        if (timeouts.Error is { } timeoutError)
        {
            throw Fail(Bad, timeoutError);
        }
        var queue = a.TaskQueue is { Name.Length: > 0 } q ? q.Name : S.TaskQueue;
        var scheduled = new ActivityTaskScheduledEventAttributes
        {
            ActivityId = a.ActivityId,
            ActivityType = a.ActivityType,
            TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = queue, Kind = TaskQueueKind.Normal },
            Header = a.Header,
            Input = a.Input,
            ScheduleToCloseTimeout = timeouts.ScheduleToClose.ToDuration(),
            ScheduleToStartTimeout = timeouts.ScheduleToStart.ToDuration(),
            StartToCloseTimeout = timeouts.StartToClose.ToDuration(),
            HeartbeatTimeout = timeouts.Heartbeat.ToDuration(),
            WorkflowTaskCompletedEventId = completedEventId,
            RetryPolicy = RetryPolicies.WithActivityDefaults(a.RetryPolicy),
            Priority = a.Priority,
        };
        var e = tx.Append(new HistoryEvent { EventType = EventType.ActivityTaskScheduled, ActivityTaskScheduledEventAttributes = scheduled });
        S.Activities[e.EventId] = new ActivityInfo
        {
            ScheduledEventId = e.EventId,
            Scheduled = scheduled,
            ScheduledTime = tx.Now,
            CurrentAttemptScheduledTime = tx.Now,
            State = ActivityAttemptState.Scheduled,
            Stamp = S.NewStamp(),
        };
        if (a.RequestEagerExecution && rules.EagerActivities && queue == S.TaskQueue)
        {
            _eagerRequested.Add(e.EventId);
        }
        return e;
    }

    // Temporal's worker asks for at most a few activities at once; the rest go through the queue.
    private void StartEagerly(long scheduledEventId)
    {
        if (!S.IsRunning || !S.Activities.TryGetValue(scheduledEventId, out var activity) || activity.State != ActivityAttemptState.Scheduled)
        {
            return;
        }
        var started = Activities.Start(tx, activity, Guid.NewGuid().ToString(), request.Identity);
        _eager.Add(Activities.PollResponse(S, started));
    }

    private HistoryEvent RequestCancelActivity(RequestCancelActivityTaskCommandAttributes? a)
    {
        if (a is null || a.ScheduledEventId <= 0)
        {
            throw Fail(WorkflowTaskFailedCause.BadRequestCancelActivityAttributes, "ScheduledEventId is not set on command.");
        }
        var e = tx.Append(new HistoryEvent
        {
            EventType = EventType.ActivityTaskCancelRequested,
            ActivityTaskCancelRequestedEventAttributes = new() { ScheduledEventId = a.ScheduledEventId, WorkflowTaskCompletedEventId = completedEventId },
        });
        if (S.Activities.TryGetValue(a.ScheduledEventId, out var activity))
        {
            if (activity.State == ActivityAttemptState.Started)
            {
                S.Activities[activity.ScheduledEventId] = activity with { CancelRequested = true, CancelRequestedEventId = e.EventId };
            }
            else
            {
                // Not running anywhere: canceled at once, and the workflow learns it in a new task.
                tx.Append(new HistoryEvent
                {
                    EventType = EventType.ActivityTaskCanceled,
                    ActivityTaskCanceledEventAttributes = new()
                    {
                        ScheduledEventId = activity.ScheduledEventId,
                        LatestCancelRequestedEventId = e.EventId,
                        Identity = request.Identity,
                    },
                });
                S.Activities.Remove(activity.ScheduledEventId);
                ActivityCanceledBeforeStart = true;
            }
        }
        return e;
    }

    private HistoryEvent StartTimer(StartTimerCommandAttributes? a)
    {
        if (a is null || string.IsNullOrEmpty(a.TimerId) || a.TimerId.Length > ServerLimits.MaxIdLength)
        {
            throw Fail(WorkflowTaskFailedCause.BadStartTimerAttributes, "TimerId is not set on command.");
        }
        if (!a.StartToFireTimeout.IsPositive())
        {
            throw Fail(WorkflowTaskFailedCause.BadStartTimerAttributes, "A valid StartToFireTimeout is not set on command.");
        }
        if (S.Timers.ContainsKey(a.TimerId))
        {
            throw Fail(WorkflowTaskFailedCause.StartTimerDuplicateId, $"invalid history builder state for action: add-timer-started-event, timer {a.TimerId} is already started");
        }
        var e = tx.Append(new HistoryEvent
        {
            EventType = EventType.TimerStarted,
            TimerStartedEventAttributes = new() { TimerId = a.TimerId, StartToFireTimeout = a.StartToFireTimeout, WorkflowTaskCompletedEventId = completedEventId },
        });
        S.Timers[a.TimerId] = new TimerInfo(a.TimerId, e.EventId, tx.Now + a.StartToFireTimeout.ToTimeSpanOrZero());
        return e;
    }

    private HistoryEvent CancelTimer(CancelTimerCommandAttributes? a)
    {
        if (a is null || string.IsNullOrEmpty(a.TimerId))
        {
            throw Fail(WorkflowTaskFailedCause.BadCancelTimerAttributes, "TimerId is not set on command.");
        }
        long startedEventId;
        if (S.Timers.Remove(a.TimerId, out var timer))
        {
            startedEventId = timer.StartedEventId;
        }
        else
        {
            // Fired while this task ran: the buffered fire is dropped, the cancel wins (as in Temporal).
            var fired = S.BufferedEvents.FindIndex(x => x.EventType == EventType.TimerFired && x.TimerFiredEventAttributes.TimerId == a.TimerId);
            if (fired < 0)
            {
                throw Fail(WorkflowTaskFailedCause.BadCancelTimerAttributes, $"invalid history builder state for action: add-timer-canceled-event, timer {a.TimerId} is not running");
            }
            startedEventId = S.BufferedEvents[fired].TimerFiredEventAttributes.StartedEventId;
            S.BufferedEvents.RemoveAt(fired);
            RenumberBuffered();
        }
        return tx.Append(new HistoryEvent
        {
            EventType = EventType.TimerCanceled,
            TimerCanceledEventAttributes = new()
            {
                TimerId = a.TimerId,
                StartedEventId = startedEventId,
                WorkflowTaskCompletedEventId = completedEventId,
                Identity = request.Identity,
            },
        });
    }

    // Buffered events carry placeholder ids by position; removing one shifts the rest.
    private void RenumberBuffered()
    {
        var map = new Dictionary<long, long>();
        for (var i = 0; i < S.BufferedEvents.Count; i++)
        {
            var e = S.BufferedEvents[i].Clone();
            map[e.EventId] = -(i + 1);
            e.EventId = -(i + 1);
            S.BufferedEvents[i] = e;
        }
        for (var i = 0; i < S.BufferedEvents.Count; i++)
        {
            BufferedEventIds.Resolve(S.BufferedEvents[i], map);
        }
    }

    private HistoryEvent RecordMarker(RecordMarkerCommandAttributes? a)
    {
        if (a is null || string.IsNullOrEmpty(a.MarkerName))
        {
            throw Fail(WorkflowTaskFailedCause.BadRecordMarkerAttributes, "MarkerName is not set on command.");
        }
        var e = new HistoryEvent
        {
            EventType = EventType.MarkerRecorded,
            MarkerRecordedEventAttributes = new() { MarkerName = a.MarkerName, Header = a.Header, Failure = a.Failure, WorkflowTaskCompletedEventId = completedEventId },
        };
        e.MarkerRecordedEventAttributes.Details.Add(a.Details);
        return tx.Append(e);
    }

    private HistoryEvent? ProtocolMessage(ProtocolMessageCommandAttributes? a)
    {
        if (a is null || !_messages.Remove(a.MessageId, out var message))
        {
            throw Fail(WorkflowTaskFailedCause.BadUpdateWorkflowExecutionMessage, $"ProtocolMessageCommand referenced absent message ID {a?.MessageId}");
        }
        Updates.OnMessage(tx, message, completedEventId);
        return null;
    }

    private static WorkflowTaskFailedException Fail(WorkflowTaskFailedCause cause, string message) => new(cause, message);
}
