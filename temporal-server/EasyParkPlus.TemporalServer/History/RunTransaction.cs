using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>
/// One transition of one run: a working copy of its state, the events it appends, and what to do in process once it
/// is committed. Events from outside the workflow's own commands (signals, activity and timer outcomes, child events,
/// cancel requests) go through <see cref="AddExternal"/>, which buffers them while a workflow task is started
/// (invariant 3) and otherwise asks for a workflow task.
/// </summary>
public sealed class RunTransaction
{
    private readonly List<HistoryEvent> _events = [];
    private readonly List<Action> _afterCommit = [];

    public RunTransaction(RunState? before, RunState state, DateTimeOffset now)
    {
        Before = before;
        State = state;
        Now = now;
    }

    /// <summary>The committed state this transition started from; null when it creates the run.</summary>
    public RunState? Before { get; }

    public RunState State { get; }
    public DateTimeOffset Now { get; }
    public RunKey Key => State.Key;
    public IReadOnlyList<HistoryEvent> Events => _events;
    public IReadOnlyList<Action> AfterCommit => _afterCommit;

    /// <summary>Set when new events need a workflow task to be seen; <see cref="Finish"/> schedules it.</summary>
    public bool NeedsWorkflowTask { get; set; }

    /// <summary>Whether this transition changed anything worth a commit.</summary>
    public bool HasChanges { get; set; }

    /// <summary>Another run this transition creates in the same commit (continue-as-new, workflow retry).</summary>
    public RunTransaction? NewRun { get; set; }

    /// <summary>Transfer tasks (of any run) that this commit carries out, deleted with it.</summary>
    public List<Persistence.TransferTaskKey> CompletedTransfers { get; } = [];

    public void OnCommitted(Action action) => _afterCommit.Add(action);

    /// <summary>Appends an event to the history now (id, time), whatever the workflow task's state.</summary>
    public HistoryEvent Append(HistoryEvent e)
    {
        e.EventId = State.NextEventId++;
        e.EventTime ??= Now.ToProtoTimestamp();
        State.HistorySizeBytes += e.CalculateSize();
        _events.Add(e);
        HasChanges = true;
        return e;
    }

    /// <summary>
    /// Adds an event that the workflow must see: buffered while a workflow task is started (its id is given when
    /// flushed; references to other buffered events use their negative placeholder ids), otherwise appended, and a
    /// workflow task is requested.
    /// </summary>
    public HistoryEvent AddExternal(HistoryEvent e)
    {
        HasChanges = true;
        NeedsWorkflowTask = true;
        if (State.WorkflowTask is { IsStarted: true })
        {
            e.EventTime ??= Now.ToProtoTimestamp();
            e.EventId = -(State.BufferedEvents.Count + 1);
            State.BufferedEvents.Add(e);
            return e;
        }
        return Append(e);
    }

    /// <summary>Writes the buffered events after what the completed (or failed) workflow task wrote.</summary>
    public bool FlushBuffered()
    {
        if (State.BufferedEvents.Count == 0)
        {
            return false;
        }
        var placeholders = new Dictionary<long, long>();
        foreach (var buffered in State.BufferedEvents)
        {
            // Copies: the buffered instances are shared with the committed state, which must not change.
            var e = buffered.Clone();
            var placeholder = e.EventId;
            Append(e);
            placeholders[placeholder] = e.EventId;
            BufferedEventIds.Resolve(e, placeholders);
        }
        State.BufferedEvents.Clear();
        foreach (var child in State.Children.Values.ToList())
        {
            if (child.StartedEventId < 0 && placeholders.TryGetValue(child.StartedEventId, out var startedId))
            {
                State.Children[child.InitiatedEventId] = child with { StartedEventId = startedId };
            }
        }
        NeedsWorkflowTask = true;
        return true;
    }

    /// <summary>
    /// Schedules a workflow task: on the worker's sticky queue when it has one, and transient (no event yet) while
    /// earlier attempts failed and nothing new arrived since.
    /// </summary>
    public WorkflowTaskInfo ScheduleWorkflowTask(DateTimeOffset? originalScheduledTime = null)
    {
        if (State.WorkflowTask is not null)
        {
            throw new InvalidOperationException($"run {Key} already has a workflow task");
        }
        var attempt = State.WorkflowTaskAttempt;
        var sticky = State.Sticky;
        var queue = sticky?.Name ?? State.TaskQueue;
        var timeout = WorkflowTaskTimeout(attempt);
        long scheduledEventId;
        var transient = attempt > 1;
        if (transient)
        {
            scheduledEventId = State.NextEventId;
        }
        else
        {
            scheduledEventId = Append(ScheduledEvent(queue, sticky is not null, timeout, attempt)).EventId;
        }
        var wft = new WorkflowTaskInfo
        {
            ScheduledEventId = scheduledEventId,
            Attempt = attempt,
            ScheduledTime = Now,
            OriginalScheduledTime = originalScheduledTime ?? Now,
            StartToCloseTimeout = timeout,
            TaskQueue = queue,
            OnStickyQueue = sticky is not null,
            Transient = transient,
            Stamp = State.NewStamp(),
        };
        State.WorkflowTask = wft;
        NeedsWorkflowTask = false;
        HasChanges = true;
        return wft;
    }

    /// <summary>The scheduled event of a workflow task (also the virtual one of a transient task).</summary>
    public HistoryEvent ScheduledEvent(string queue, bool sticky, TimeSpan timeout, int attempt) => new()
    {
        EventType = EventType.WorkflowTaskScheduled,
        WorkflowTaskScheduledEventAttributes = new()
        {
            TaskQueue = new TaskQueue
            {
                Name = queue,
                Kind = sticky ? TaskQueueKind.Sticky : TaskQueueKind.Normal,
                NormalName = sticky ? State.TaskQueue : "",
            },
            StartToCloseTimeout = timeout.ToDuration(),
            Attempt = attempt,
        },
    };

    /// <summary>Closes the transition: schedules the workflow task new events need, unless one is pending or the run closed.</summary>
    public void Finish()
    {
        if (NeedsWorkflowTask && State.IsRunning && State.WorkflowTask is null && !State.AwaitingStartBackoff)
        {
            ScheduleWorkflowTask();
        }
        NeedsWorkflowTask = false;
    }

    // Temporal lengthens the start-to-close timeout of a task that keeps failing, so a crash loop slows down.
    private TimeSpan WorkflowTaskTimeout(int attempt)
    {
        var timeout = State.Start.WorkflowTaskTimeout.ToTimeSpanOrZero();
        if (attempt <= 3)
        {
            return timeout;
        }
        var backoff = TimeSpan.FromSeconds(5 * Math.Pow(2, Math.Min(attempt - 4, 7)));
        return timeout + (backoff > TimeSpan.FromMinutes(10) ? TimeSpan.FromMinutes(10) : backoff);
    }
}

/// <summary>Resolves references between buffered events once they get their real ids.</summary>
internal static class BufferedEventIds
{
    public static void Resolve(HistoryEvent e, Dictionary<long, long> placeholders)
    {
        switch (e.EventType)
        {
            case EventType.ActivityTaskCompleted:
                e.ActivityTaskCompletedEventAttributes.StartedEventId = Map(e.ActivityTaskCompletedEventAttributes.StartedEventId);
                break;
            case EventType.ActivityTaskFailed:
                e.ActivityTaskFailedEventAttributes.StartedEventId = Map(e.ActivityTaskFailedEventAttributes.StartedEventId);
                break;
            case EventType.ActivityTaskTimedOut:
                e.ActivityTaskTimedOutEventAttributes.StartedEventId = Map(e.ActivityTaskTimedOutEventAttributes.StartedEventId);
                break;
            case EventType.ActivityTaskCanceled:
                e.ActivityTaskCanceledEventAttributes.StartedEventId = Map(e.ActivityTaskCanceledEventAttributes.StartedEventId);
                break;
            case EventType.ChildWorkflowExecutionCompleted:
                e.ChildWorkflowExecutionCompletedEventAttributes.StartedEventId = Map(e.ChildWorkflowExecutionCompletedEventAttributes.StartedEventId);
                break;
            case EventType.ChildWorkflowExecutionFailed:
                e.ChildWorkflowExecutionFailedEventAttributes.StartedEventId = Map(e.ChildWorkflowExecutionFailedEventAttributes.StartedEventId);
                break;
            case EventType.ChildWorkflowExecutionCanceled:
                e.ChildWorkflowExecutionCanceledEventAttributes.StartedEventId = Map(e.ChildWorkflowExecutionCanceledEventAttributes.StartedEventId);
                break;
            case EventType.ChildWorkflowExecutionTimedOut:
                e.ChildWorkflowExecutionTimedOutEventAttributes.StartedEventId = Map(e.ChildWorkflowExecutionTimedOutEventAttributes.StartedEventId);
                break;
            case EventType.ChildWorkflowExecutionTerminated:
                e.ChildWorkflowExecutionTerminatedEventAttributes.StartedEventId = Map(e.ChildWorkflowExecutionTerminatedEventAttributes.StartedEventId);
                break;
        }

        long Map(long id) => id < 0 && placeholders.TryGetValue(id, out var real) ? real : id;
    }
}
