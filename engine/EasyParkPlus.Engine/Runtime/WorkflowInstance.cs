using System.Reflection;
using System.Text.Json;
using EasyParkPlus.Engine.Definitions;
using Microsoft.Extensions.Logging;

namespace EasyParkPlus.Engine.Runtime;

/// <summary>Identity of one run, as workflow code sees it through <see cref="Workflow.Info"/>.</summary>
public sealed record WorkflowInfo(string WorkflowId, string RunId, string WorkflowType, string TaskQueue)
{
    /// <summary>When the run started (workflow time).</summary>
    public DateTimeOffset StartTime { get; init; }

    /// <summary>The parent's workflow id when this run is a child.</summary>
    public string? ParentWorkflowId { get; init; }

    /// <summary>The run this one continued from, if any.</summary>
    public string? ContinuedFromRunId { get; init; }
}

/// <summary>A bug in workflow code (an exception that is not a <see cref="FailureException"/>): the workflow task fails and is retried.</summary>
internal sealed class WorkflowTaskFailureException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One live workflow object and the state needed to replay it. Applying a batch of history events completes the
/// matching pending tasks, then the scheduler runs every ready continuation; the commands the code issues are
/// matched against history while replaying and returned as new events when live. Not thread-safe: the caller
/// holds the instance exclusively while activating it.
/// </summary>
internal sealed class WorkflowInstance : IDisposable
{
    [ThreadStatic]
    private static WorkflowInstance? t_active;

    private readonly WorkflowDefinition _definition;
    private readonly WorkflowScheduler _scheduler;
    private readonly int _suggestContinueAsNewAfter;
    private readonly Dictionary<long, PendingActivity> _activities = [];
    private readonly Dictionary<long, PendingTimer> _timers = [];
    private readonly Dictionary<long, PendingChild> _children = [];
    private readonly List<PendingCondition> _conditions = [];
    private readonly List<Task> _signalTasks = [];
    private readonly CancellationTokenSource _cancellation = new();
    private readonly Dictionary<string, JsonElement> _searchAttributes = new(StringComparer.Ordinal);

    private object? _workflowObject;
    private object?[] _startArguments = [];
    private Task? _runTask;
    private Task? _runMethodTask;
    private Random _random = new(0);
    private int _timerSequence;
    private int _childSequence;
    private long _nextEventId = 1;
    private DateTimeOffset _now;
    private bool _replaying;
    private bool _cancelRequested;
    private bool _closed;
    private bool _inQuery;
    private List<HistoryEvent> _emitted = [];
    private IReadOnlyList<HistoryEvent> _expected = [];
    private int _expectedIndex;
    private string? _nondeterminism;

    public WorkflowInstance(WorkflowDefinition definition, WorkflowInfo info, ILogger logger, int suggestContinueAsNewAfter)
    {
        _definition = definition;
        Info = info;
        _scheduler = new WorkflowScheduler(this);
        Logger = new ReplaySafeLogger(logger, this);
        _suggestContinueAsNewAfter = suggestContinueAsNewAfter;
    }

    public void Dispose() => _cancellation.Dispose();

    /// <summary>The instance evaluating conditions or a query on this thread (outside scheduler tasks).</summary>
    public static WorkflowInstance? ActiveOnThisThread => t_active;

    public WorkflowInfo Info { get; private set; }

    public ILogger Logger { get; }

    /// <summary>The W3C trace context the run was started in; its tasks' spans continue that trace.</summary>
    public string? TraceParent { get; set; }

    public long LastEventId => _nextEventId - 1;

    public bool IsClosed => _closed;

    public bool IsReplaying => _replaying;

    public DateTimeOffset UtcNow => _now;

    public CancellationToken CancellationToken => _cancellation.Token;

    public IReadOnlyDictionary<string, JsonElement> SearchAttributes => _searchAttributes;

    public int HistoryLength => (int)(_nextEventId - 1);

    /// <summary>Whether the run started any child workflow.</summary>
    public bool HasChildren => _childSequence > 0;

    public bool ContinueAsNewSuggested => HistoryLength >= _suggestContinueAsNewAfter;

    public Random Random => _random;

    /// <summary>Raised (on a foreign thread) when workflow code let work escape the scheduler.</summary>
    public event Action<WorkflowInstance>? ForeignWorkDetected;

    internal void OnForeignWork() => ForeignWorkDetected?.Invoke(this);

    /// <summary>
    /// Applies <paramref name="events"/> (which continue the history exactly where this instance stopped) and runs
    /// the code. Batches followed by a <see cref="WorkflowTaskCompleted"/> are replayed; trailing input events form
    /// the live workflow task, whose new events (starting with its <see cref="WorkflowTaskCompleted"/>) are returned.
    /// An empty result means there was nothing new to react to.
    /// </summary>
    public IReadOnlyList<HistoryEvent> Activate(IReadOnlyList<HistoryEvent> events, DateTimeOffset liveTime, string? identity, bool runLiveTask = true)
    {
        if (_scheduler.Violation is { } violation)
        {
            throw new WorkflowDeterminismViolationException(violation);
        }
        if (events.Count > 0 && events[0].EventId != _nextEventId)
        {
            throw new InvalidOperationException($"History for {Info.WorkflowId} continues at event {events[0].EventId}, but the instance expects {_nextEventId}.");
        }

        var index = 0;
        var inputs = new List<HistoryEvent>();
        while (index < events.Count)
        {
            inputs.Clear();
            while (index < events.Count && events[index].Attributes is not WorkflowTaskCompleted)
            {
                if (events[index].Attributes.IsCommand)
                {
                    throw new WorkflowNondeterminismException(
                        $"History event {events[index].EventId} ({events[index].Attributes.Describe()}) is a command without a preceding WorkflowTaskCompleted.");
                }
                inputs.Add(events[index++]);
            }
            if (index == events.Count)
            {
                break;
            }

            var taskCompleted = events[index++];
            var commands = new List<HistoryEvent>();
            while (index < events.Count && events[index].Attributes.IsCommand)
            {
                commands.Add(events[index++]);
            }
            RunBatch(inputs, taskCompleted.Timestamp, replaying: true, commands);
            if (taskCompleted.EventId != LastEventId - commands.Count)
            {
                throw new WorkflowNondeterminismException($"History event {taskCompleted.EventId} is out of sequence (expected {LastEventId - commands.Count}).");
            }
            inputs.Clear();
        }

        if (!runLiveTask && inputs.Count > 0)
        {
            throw new ArgumentException("Without a live workflow task, the events must end with a complete workflow task.", nameof(events));
        }
        if (inputs.Count == 0 || _closed)
        {
            return [];
        }
        return RunBatch(inputs, liveTime, replaying: false, expected: [], identity);
    }

    private List<HistoryEvent> RunBatch(List<HistoryEvent> inputs, DateTimeOffset time, bool replaying, IReadOnlyList<HistoryEvent> expected, string? identity = null)
    {
        _now = time;
        _replaying = replaying;
        _expected = expected;
        _expectedIndex = 0;
        _emitted = [];
        _scheduler.BeginActivation();
        try
        {
            var startRun = false;
            foreach (var input in inputs)
            {
                Apply(input, ref startRun);
                _nextEventId = input.EventId + 1;
            }
            if (_closed)
            {
                return [];
            }

            var taskCompleted = new HistoryEvent(_nextEventId++, time, new WorkflowTaskCompleted(identity));
            _emitted.Add(taskCompleted);
            if (startRun)
            {
                _runTask = StartOnScheduler(() => _runMethodTask = (Task)_definition.RunMethod.Invoke(_workflowObject, _startArguments)!);
            }
            RunUntilBlocked();
            EmitCloseIfDone();

            if (_scheduler.Violation is { } violation)
            {
                throw new WorkflowDeterminismViolationException(violation);
            }
            if (replaying && _nondeterminism is null && _expectedIndex < _expected.Count)
            {
                var missing = _expected[_expectedIndex];
                _nondeterminism = $"At event {missing.EventId} history has {missing.Attributes.Describe()}, but the workflow code no longer issues it.";
            }
            if (_nondeterminism is { } message)
            {
                throw new WorkflowNondeterminismException($"{Info.WorkflowType} {Info.WorkflowId}: {message}");
            }
            return _emitted;
        }
        finally
        {
            _scheduler.EndActivation();
        }
    }

    private object? Construct()
    {
        t_active = this;
        try
        {
            return Activator.CreateInstance(_definition.Type);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw new WorkflowTaskFailureException($"The constructor of {_definition.Type.Name} threw: {ex.InnerException.Message}", ex.InnerException);
        }
        finally
        {
            t_active = null;
        }
    }

    private void Apply(HistoryEvent historyEvent, ref bool startRun)
    {
        switch (historyEvent.Attributes)
        {
            case WorkflowExecutionStarted started:
                Info = Info with
                {
                    StartTime = historyEvent.Timestamp,
                    ParentWorkflowId = started.ParentWorkflowId,
                    ContinuedFromRunId = started.ContinuedFromRunId,
                };
                _random = new Random(SeedOf(Info.RunId));
                foreach (var (key, value) in started.SearchAttributes ?? new Dictionary<string, JsonElement>())
                {
                    _searchAttributes[key] = value;
                }
                _startArguments = PayloadConverter.FromArguments(started.Input, _definition.RunParameterTypes, $"workflow {_definition.Name}");
                _workflowObject = Construct();
                startRun = true;
                break;
            case ActivityTaskStarted started when _activities.TryGetValue(started.ScheduledEventId, out var running):
                running.Attempt = started.Attempt;
                break;
            case ActivityTaskCompleted completed when _activities.Remove(completed.ScheduledEventId, out var activity):
                activity.Registration.Dispose();
                activity.Completion.TrySetResult(completed.Result);
                break;
            case ActivityTaskFailed failed when _activities.Remove(failed.ScheduledEventId, out var activity):
                activity.Registration.Dispose();
                activity.Completion.TrySetException(new ActivityFailureException(activity.ActivityType, failed.ScheduledEventId, activity.Attempt, failed.Failure.ToException()));
                break;
            case ActivityTaskTimedOut timedOut when _activities.Remove(timedOut.ScheduledEventId, out var activity):
                activity.Registration.Dispose();
                activity.Completion.TrySetException(new ActivityFailureException(activity.ActivityType, timedOut.ScheduledEventId, activity.Attempt, timedOut.Failure.ToException()));
                break;
            case TimerFired fired when _timers.Remove(fired.StartedEventId, out var timer):
                timer.Registration.Dispose();
                timer.Fire();
                break;
            case WorkflowExecutionSignaled signaled:
                DeliverSignal(signaled);
                break;
            case WorkflowExecutionCancelRequested:
                _cancelRequested = true;
                // Cancel inside the scheduler so cancellation callbacks may issue commands.
                StartOnScheduler(() =>
                {
                    _cancellation.Cancel();
                    return Task.CompletedTask;
                });
                break;
            case ChildWorkflowExecutionStarted childStarted when _children.TryGetValue(childStarted.InitiatedEventId, out var child):
                child.RunId = childStarted.RunId;
                child.Started.TrySetResult(childStarted.RunId);
                break;
            case StartChildWorkflowExecutionFailed childFailed when _children.Remove(childFailed.InitiatedEventId, out var child):
                child.Registration.Dispose();
                child.Started.TrySetException(new WorkflowAlreadyStartedException(childFailed.WorkflowId, "?"));
                child.Result.TrySetException(new WorkflowAlreadyStartedException(childFailed.WorkflowId, "?"));
                break;
            case ChildWorkflowExecutionClosed closed when _children.Remove(closed.InitiatedEventId, out var child):
                child.Registration.Dispose();
                child.Started.TrySetResult(closed.RunId);
                if (closed.Status == WorkflowStatus.Completed)
                {
                    child.Result.TrySetResult(closed.Result);
                }
                else
                {
                    var cause = closed.Failure?.ToException() ?? (closed.Status switch
                    {
                        WorkflowStatus.Canceled => new CanceledFailureException("Child workflow canceled"),
                        WorkflowStatus.Terminated => new TerminatedFailureException("Child workflow terminated"),
                        _ => new ApplicationFailureException($"Child workflow {closed.Status}"),
                    });
                    child.Result.TrySetException(new ChildWorkflowFailureException(child.WorkflowType, closed.WorkflowId, cause));
                }
                break;
            case WorkflowExecutionTerminated:
                _closed = true;
                break;
        }
    }

    private void DeliverSignal(WorkflowExecutionSignaled signaled)
    {
        if (!_definition.Signals.TryGetValue(signaled.SignalName, out var signal))
        {
            if (!_replaying)
            {
                Log.UnknownSignalDropped(Logger, Info.WorkflowType, signaled.SignalName);
            }
            return;
        }
        object?[] arguments;
        try
        {
            arguments = PayloadConverter.FromArguments(signaled.Input, signal.ParameterTypes, $"signal {signal.Name}");
        }
        catch (WorkflowInvalidArgumentException ex)
        {
            if (!_replaying)
            {
                Log.SignalArgumentsDropped(Logger, ex, signal.Name, Info.WorkflowId);
            }
            return;
        }
        _signalTasks.Add(StartOnScheduler(() => (Task)signal.Method.Invoke(_workflowObject, arguments)!));
    }

    private Task StartOnScheduler(Func<Task> body) =>
        Task.Factory.StartNew(() =>
        {
            try
            {
                return body();
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                return Task.FromException(ex.InnerException);
            }
        }, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler).Unwrap();

    /// <summary>Runs continuations and re-checks conditions until the code waits on something outside.</summary>
    private void RunUntilBlocked()
    {
        while (true)
        {
            _scheduler.Drain();
            if (!ResolveConditions())
            {
                return;
            }
        }
    }

    private bool ResolveConditions()
    {
        var resolved = false;
        t_active = this;
        try
        {
            for (var i = 0; i < _conditions.Count; i++)
            {
                var condition = _conditions[i];
                bool satisfied;
                try
                {
                    satisfied = condition.Predicate();
                }
                catch (Exception ex)
                {
                    _conditions.RemoveAt(i--);
                    condition.Completion.TrySetException(ex);
                    resolved = true;
                    continue;
                }
                if (satisfied)
                {
                    _conditions.RemoveAt(i--);
                    condition.Registration.Dispose();
                    condition.CancelTimer?.Invoke();
                    condition.Completion.TrySetResult(true);
                    resolved = true;
                }
            }
        }
        finally
        {
            t_active = null;
        }
        return resolved;
    }

    private void EmitCloseIfDone()
    {
        foreach (var signalTask in _signalTasks.Where(t => t.IsCompleted).ToList())
        {
            _signalTasks.Remove(signalTask);
            if (signalTask.IsFaulted && !_closed)
            {
                CloseWithException(signalTask.Exception!.InnerException!, "a signal handler");
            }
        }
        if (_runTask is not { IsCompleted: true } || _closed)
        {
            return;
        }
        if (_runTask.IsCompletedSuccessfully)
        {
            var result = _definition.ResultType == typeof(void)
                ? (JsonElement?)null
                : PayloadConverter.ToPayload(_runMethodTask!.GetType().GetProperty("Result")!.GetValue(_runMethodTask), _definition.ResultType);
            Emit(new WorkflowExecutionCompleted(result));
            _closed = true;
            return;
        }
        var exception = _runTask.IsCanceled
            ? new TaskCanceledException(_runTask)
            : _runTask.Exception!.InnerException!;
        CloseWithException(exception, "the workflow");
    }

    private void CloseWithException(Exception exception, string where)
    {
        if (exception is ContinueAsNewException continueAsNew)
        {
            Emit(new WorkflowExecutionContinuedAsNew(NewGuid().ToString(), continueAsNew.WorkflowType,
                continueAsNew.Options.TaskQueue ?? Info.TaskQueue, continueAsNew.Input));
        }
        else if (_cancelRequested && IsCancellation(exception))
        {
            Emit(new WorkflowExecutionCanceled(exception.Message));
        }
        else if (exception is FailureException)
        {
            Emit(new WorkflowExecutionFailed(Failure.FromException(exception)));
        }
        else
        {
            // A bug, not a business failure: fail the workflow task so fixed code can pick the run up again.
            throw new WorkflowTaskFailureException($"Unhandled {exception.GetType().Name} in {where} {Info.WorkflowType}: {exception.Message}", exception);
        }
        _closed = true;
    }

    private static bool IsCancellation(Exception exception) => exception switch
    {
        OperationCanceledException or CanceledFailureException => true,
        ActivityFailureException or ChildWorkflowFailureException => exception.InnerException is CanceledFailureException,
        _ => false,
    };

    private long Emit(HistoryEventAttributes command)
    {
        if (_inQuery)
        {
            throw new InvalidOperationException("A query handler must not issue commands (activities, timers, children, search attributes).");
        }
        if (_closed)
        {
            throw new InvalidOperationException($"Workflow {Info.WorkflowId} has closed; it cannot issue {command.Describe()}.");
        }
        var eventId = _nextEventId++;
        if (_replaying && _nondeterminism is null)
        {
            if (_expectedIndex >= _expected.Count)
            {
                _nondeterminism = $"At event {eventId} the workflow code now issues {command.Describe()}, but history has no command there.";
            }
            else
            {
                var recorded = _expected[_expectedIndex++];
                if (!SameCommand(recorded.Attributes, command))
                {
                    _nondeterminism = $"At event {recorded.EventId} history has {recorded.Attributes.Describe()}, but the workflow code now issues {command.Describe()}.";
                }
            }
        }
        _emitted.Add(new HistoryEvent(eventId, _now, command));
        return eventId;
    }

    private static bool SameCommand(HistoryEventAttributes recorded, HistoryEventAttributes issued) => (recorded, issued) switch
    {
        (ActivityTaskScheduled r, ActivityTaskScheduled i) => r.ActivityType == i.ActivityType,
        (TimerStarted r, TimerStarted i) => r.TimerId == i.TimerId,
        (TimerCanceled r, TimerCanceled i) => r.StartedEventId == i.StartedEventId,
        (ActivityTaskCancelRequested r, ActivityTaskCancelRequested i) => r.ScheduledEventId == i.ScheduledEventId,
        (StartChildWorkflowExecutionInitiated r, StartChildWorkflowExecutionInitiated i) => r.WorkflowType == i.WorkflowType && r.WorkflowId == i.WorkflowId,
        (RequestCancelExternalWorkflowExecutionInitiated r, RequestCancelExternalWorkflowExecutionInitiated i) => r.WorkflowId == i.WorkflowId,
        _ => recorded.GetType() == issued.GetType(),
    };

    private static int SeedOf(string runId)
    {
        if (Guid.TryParse(runId, out var guid))
        {
            return BitConverter.ToInt32(guid.ToByteArray(), 0);
        }
        var hash = unchecked((int)2166136261);
        foreach (var c in runId)
        {
            hash = unchecked((hash ^ c) * 16777619);
        }
        return hash;
    }

    // ------------------------------------------------------------------ commands issued by workflow code

    public Guid NewGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    public Task<JsonElement?> ScheduleActivity(string activityType, JsonElement input, ActivityOptions options)
    {
        if (options.StartToCloseTimeout is null && options.ScheduleToCloseTimeout is null)
        {
            throw new ArgumentException($"Activity {activityType} needs a StartToCloseTimeout or a ScheduleToCloseTimeout.", nameof(options));
        }
        var token = options.CancellationToken ?? _cancellation.Token;
        if (token.IsCancellationRequested)
        {
            return Task.FromException<JsonElement?>(new ActivityFailureException(activityType, 0, 0, new CanceledFailureException("Activity cancelled before it was scheduled")));
        }
        var eventId = Emit(new ActivityTaskScheduled(activityType, options.TaskQueue ?? Info.TaskQueue, input,
            options.StartToCloseTimeout, options.ScheduleToCloseTimeout, options.HeartbeatTimeout, options.RetryPolicy ?? RetryPolicy.Default));
        var pending = new PendingActivity(activityType);
        _activities[eventId] = pending;
        if (token.CanBeCanceled)
        {
            pending.Registration = token.Register(() =>
            {
                if (_activities.Remove(eventId))
                {
                    Emit(new ActivityTaskCancelRequested(eventId));
                    pending.Completion.TrySetException(new ActivityFailureException(activityType, eventId, pending.Attempt, new CanceledFailureException("Activity cancelled")));
                }
            });
        }
        return pending.Completion.Task;
    }

    public Task StartTimer(TimeSpan delay, CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        if (delay <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }
        var timer = NewTimer(delay);
        if (token.CanBeCanceled)
        {
            timer.Registration = token.Register(() =>
            {
                if (CancelTimer(timer.EventId))
                {
                    timer.Completion.TrySetCanceled(token);
                }
            });
        }
        return timer.Completion.Task;
    }

    private PendingTimer NewTimer(TimeSpan delay)
    {
        var eventId = Emit(new TimerStarted(++_timerSequence, _now + delay));
        var timer = new PendingTimer(eventId);
        _timers[eventId] = timer;
        return timer;
    }

    private bool CancelTimer(long eventId)
    {
        if (!_timers.Remove(eventId))
        {
            return false;
        }
        Emit(new TimerCanceled(eventId));
        return true;
    }

    public Task<bool> WaitCondition(Func<bool> predicate, TimeSpan? timeout, CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        if (predicate())
        {
            return Task.FromResult(true);
        }
        var condition = new PendingCondition(predicate);
        if (timeout is { } limit)
        {
            if (limit <= TimeSpan.Zero)
            {
                return Task.FromResult(false);
            }
            var timer = NewTimer(limit);
            timer.OnFire = () =>
            {
                if (_conditions.Remove(condition))
                {
                    condition.Registration.Dispose();
                    condition.Completion.TrySetResult(false);
                }
            };
            condition.CancelTimer = () => CancelTimer(timer.EventId);
        }
        if (token.CanBeCanceled)
        {
            condition.Registration = token.Register(() =>
            {
                if (_conditions.Remove(condition))
                {
                    condition.CancelTimer?.Invoke();
                    condition.Completion.TrySetCanceled(token);
                }
            });
        }
        _conditions.Add(condition);
        return condition.Completion.Task;
    }

    public (Task<string> Started, Task<JsonElement?> Result) StartChild(WorkflowDefinition child, JsonElement input, ChildWorkflowOptions options)
    {
        var sequence = ++_childSequence;
        var workflowId = options.Id ?? $"{Info.WorkflowId}/{child.Name}-{sequence}";
        var attributes = options.SearchAttributes is null ? null : SearchAttributeValues.ToJson(options.SearchAttributes);
        var eventId = Emit(new StartChildWorkflowExecutionInitiated(workflowId, child.Name, options.TaskQueue ?? Info.TaskQueue, input,
            options.ParentClosePolicy, attributes));
        var pending = new PendingChild(child.Name);
        _children[eventId] = pending;
        var token = options.CancellationToken ?? _cancellation.Token;
        if (token.CanBeCanceled)
        {
            pending.Registration = token.Register(() =>
            {
                if (_children.ContainsKey(eventId) && !pending.CancelRequested)
                {
                    pending.CancelRequested = true;
                    Emit(new RequestCancelExternalWorkflowExecutionInitiated(workflowId, pending.RunId));
                }
            });
        }
        return (pending.Started.Task, pending.Result.Task);
    }

    public void UpsertSearchAttributes(IReadOnlyDictionary<string, object?> updates)
    {
        var values = SearchAttributeValues.ToNullableJson(updates);
        Emit(new UpsertWorkflowSearchAttributes(values));
        foreach (var (key, value) in values)
        {
            if (value is { } present)
            {
                _searchAttributes[key] = present;
            }
            else
            {
                _searchAttributes.Remove(key);
            }
        }
    }

    // ------------------------------------------------------------------ queries

    /// <summary>The number of leading events that form complete workflow tasks (what a query may replay).</summary>
    public static int CompletedPrefixLength(IReadOnlyList<HistoryEvent> events)
    {
        var end = 0;
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Attributes is WorkflowTaskCompleted)
            {
                end = i + 1;
                while (end < events.Count && events[end].Attributes.IsCommand)
                {
                    end++;
                }
                i = end - 1;
            }
        }
        return end;
    }

    /// <summary>Answers a query against the state reached by the last applied workflow task.</summary>
    public object? Query(QueryDefinition query, object?[] arguments)
    {
        if (_workflowObject is null)
        {
            throw new WorkflowQueryFailedException($"Workflow {Info.WorkflowId} has not started running yet.");
        }
        _inQuery = true;
        t_active = this;
        try
        {
            return query.Invoke(_workflowObject, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw new WorkflowQueryFailedException($"Query {query.Name} failed: {ex.InnerException.Message}", ex.InnerException);
        }
        finally
        {
            _inQuery = false;
            t_active = null;
        }
    }

    private sealed class PendingActivity(string activityType)
    {
        public string ActivityType { get; } = activityType;

        public int Attempt { get; set; } = 1;

        public TaskCompletionSource<JsonElement?> Completion { get; } = new();

        public CancellationTokenRegistration Registration { get; set; }
    }

    private sealed class PendingTimer(long eventId)
    {
        public long EventId { get; } = eventId;

        public TaskCompletionSource Completion { get; } = new();

        public Action? OnFire { get; set; }

        public CancellationTokenRegistration Registration { get; set; }

        public void Fire()
        {
            if (OnFire is { } onFire)
            {
                onFire();
            }
            else
            {
                Completion.TrySetResult();
            }
        }
    }

    private sealed class PendingCondition(Func<bool> predicate)
    {
        public Func<bool> Predicate { get; } = predicate;

        public TaskCompletionSource<bool> Completion { get; } = new();

        public Action? CancelTimer { get; set; }

        public CancellationTokenRegistration Registration { get; set; }
    }

    private sealed class PendingChild(string workflowType)
    {
        public string WorkflowType { get; } = workflowType;

        public string? RunId { get; set; }

        public bool CancelRequested { get; set; }

        public TaskCompletionSource<string> Started { get; } = new();

        public TaskCompletionSource<JsonElement?> Result { get; } = new();

        public CancellationTokenRegistration Registration { get; set; }
    }

    /// <summary>Suppresses log output while the instance replays history it already logged once.</summary>
    private sealed class ReplaySafeLogger(ILogger inner, WorkflowInstance instance) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => !instance._replaying && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!instance._replaying)
            {
                using var scope = inner.BeginScope(new Dictionary<string, object> { ["WorkflowId"] = instance.Info.WorkflowId, ["RunId"] = instance.Info.RunId });
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
