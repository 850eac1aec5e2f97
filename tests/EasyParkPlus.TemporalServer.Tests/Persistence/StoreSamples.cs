using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Persistence;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;

namespace EasyParkPlus.TemporalServer.Tests.Persistence;

/// <summary>Runs, events and commits for the store contract tests, with every part of a run's state filled in.</summary>
internal static class StoreSamples
{
    public static readonly DateTimeOffset T0 = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    public static RunKey NewRun(string workflowId = "wf") => new("default", $"{workflowId}-{Guid.NewGuid():N}", Guid.NewGuid().ToString());

    public static HistoryEvent Event(long id, EventType type = EventType.WorkflowTaskScheduled) =>
        new() { EventId = id, EventType = type, EventTime = Timestamp.FromDateTimeOffset(T0.AddSeconds(id)), TaskId = id };

    /// <summary>A run state with a workflow task, an activity, a timer, a child, an external request and an update.</summary>
    public static RunState State(RunKey key, long version, long nextEventId)
    {
        var start = new WorkflowExecutionStartedEventAttributes
        {
            WorkflowType = new WorkflowType { Name = "Charge" },
            TaskQueue = new TaskQueue { Name = "q", Kind = TaskQueueKind.Normal },
            Input = new Payloads { Payloads_ = { new Payload { Data = ByteString.CopyFromUtf8("\"in\"") } } },
            WorkflowTaskTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
        };
        var state = new RunState
        {
            Key = key,
            Start = start,
            StartRequestId = "req-1",
            StartTime = T0,
            ExecutionTime = T0.AddSeconds(1),
            NextEventId = nextEventId,
            Version = version,
            LastCompletedWorkflowTaskStartedEventId = 3,
            HistorySizeBytes = 1234,
            WorkflowTask = new WorkflowTaskInfo
            {
                ScheduledEventId = 5,
                Attempt = 2,
                ScheduledTime = T0.AddSeconds(5),
                OriginalScheduledTime = T0.AddSeconds(4),
                StartToCloseTimeout = TimeSpan.FromSeconds(10),
                TaskQueue = "sticky-1",
                OnStickyQueue = true,
                Stamp = 7,
                StartedTime = T0.AddSeconds(6),
                StartedEventId = 6,
                StartedIdentity = "worker-1",
            },
            WorkflowTaskAttempt = 2,
            Sticky = new StickyQueue("sticky-1", TimeSpan.FromSeconds(5)),
            CancelRequested = true,
            SearchAttributes = new SearchAttributes { IndexedFields = { ["CustomerId"] = new Payload { Data = ByteString.CopyFromUtf8("\"c-1\"") } } },
            LastStamp = 9,
            StateTransitionCount = version,
        };
        state.BufferedEvents.Add(new HistoryEvent { EventType = EventType.WorkflowExecutionSignaled, WorkflowExecutionSignaledEventAttributes = new() { SignalName = "go" } });
        state.Activities[8] = new ActivityInfo
        {
            ScheduledEventId = 8,
            Scheduled = new ActivityTaskScheduledEventAttributes { ActivityId = "a-1", TaskQueue = new TaskQueue { Name = "q" } },
            ScheduledTime = T0.AddSeconds(8),
            Attempt = 3,
            State = ActivityAttemptState.BackingOff,
            HeartbeatDetails = new Payloads { Payloads_ = { new Payload { Data = ByteString.CopyFromUtf8("42") } } },
            LastFailure = new Temporalio.Api.Failure.V1.Failure { Message = "boom" },
            NextAttemptTime = T0.AddSeconds(20),
            CurrentRetryInterval = TimeSpan.FromSeconds(2),
            Stamp = 9,
        };
        state.Timers["t-1"] = new TimerInfo("t-1", 9, T0.AddDays(30));
        state.Children[10] = new ChildInfo
        {
            InitiatedEventId = 10,
            Initiated = new StartChildWorkflowExecutionInitiatedEventAttributes { WorkflowId = "child", Namespace = "default" },
            State = ChildState.Started,
            StartedEventId = 11,
            RunId = "child-run",
        };
        state.ExternalRequests[12] = new ExternalRequestInfo(12, ExternalRequestKind.Signal, "default", "other", null, false,
            new SignalExternalWorkflowExecutionInitiatedEventAttributes { SignalName = "ping" });
        state.Updates["u-1"] = new UpdateInfo { UpdateId = "u-1", Request = new Temporalio.Api.Update.V1.Request { Meta = new() { UpdateId = "u-1" } }, Stage = UpdateStage.Accepted, AcceptedEventId = 13 };
        state.RequestIds.Add("req-1");
        state.RequestIds.Add("signal-req-2");
        return state;
    }

    public static VisibilityRecord Visibility(RunKey key, DateTimeOffset start, WorkflowExecutionStatus status = WorkflowExecutionStatus.Running) => new()
    {
        Key = key,
        WorkflowType = "Charge",
        TaskQueue = "q",
        Status = status,
        StartTime = start,
        ExecutionTime = start,
        HistoryLength = 3,
        SearchAttributes = new SearchAttributes { IndexedFields = { ["CustomerId"] = new Payload { Data = ByteString.CopyFromUtf8("\"c-1\"") } } },
        FirstRunId = key.RunId,
    };

    /// <summary>The commit that creates <paramref name="key"/> with events 1..<paramref name="events"/> and makes it current.</summary>
    public static RunCommit Create(RunKey key, int events = 3, DateTimeOffset? start = null) => new()
    {
        Key = key,
        ExpectedVersion = 0,
        State = State(key, 1, events + 1),
        Events = [.. Enumerable.Range(1, events).Select(i => Event(i))],
        BecomeCurrent = new CurrentRunGuard(null),
        Current = new CurrentRun(key.RunId, WorkflowExecutionStatus.Running, "req-1", T0),
        Visibility = Visibility(key, start ?? T0),
    };

    /// <summary>The commit that moves <paramref name="key"/> from <paramref name="version"/> to the next, appending events.</summary>
    public static RunCommit Advance(RunKey key, long version, long firstEventId, int events = 1) => new()
    {
        Key = key,
        ExpectedVersion = version,
        State = State(key, version + 1, firstEventId + events),
        Events = [.. Enumerable.Range(0, events).Select(i => Event(firstEventId + i))],
    };

    public static QueueTask QueueTask(RunKey run, long scheduledEventId, DateTimeOffset created, string queue = "q", QueueTaskType type = QueueTaskType.Activity) =>
        new(new QueueTaskKey(run, type, scheduledEventId, 1), queue, created);
}
