using System.Globalization;
using System.Text.Json;
using EasyParkPlus.Engine.Store;

namespace EasyParkPlus.Engine.Testing;

/// <summary>
/// The engine's store in memory, for tests: every method is atomic under one lock and follows the same rules as
/// the PostgreSQL store (the shared behaviour suite runs against both).
/// </summary>
public sealed class InMemoryWorkflowStore : IWorkflowStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ExecutionKey, Run> _runs = [];
    private readonly Dictionary<string, List<Run>> _byWorkflowId = new(StringComparer.Ordinal);
    private readonly Dictionary<ExecutionKey, WorkflowTaskRow> _workflowTasks = [];
    private readonly Dictionary<(ExecutionKey, long), ActivityTaskRow> _activityTasks = [];
    private readonly Dictionary<(ExecutionKey, long), TimerRow> _timers = [];
    private readonly HashSet<(string, string)> _signalRequests = [];
    private readonly List<WorkNotice> _pendingNotices = [];
    private long _claimSequence;

    /// <inheritdoc />
    public event Action<WorkNotice>? WorkAvailable;

    /// <summary>The number of completed transactions that changed something (a stand-in for commits).</summary>
    public long WriteCount { get; private set; }

    // ------------------------------------------------------------------ client

    /// <inheritdoc />
    public Task<StartOutcome> StartWorkflowAsync(NewExecution execution, WorkflowIdConflictPolicy policy, SignalDelivery? signal, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Write(() =>
        {
            var latest = Latest(execution.WorkflowId);
            if (latest is { Status: WorkflowStatus.Running })
            {
                if (signal is not null)
                {
                    AppendSignal(latest, signal, now);
                    return new StartOutcome(latest.Key.RunId, false);
                }
                if ((execution.RequestId is not null && latest.RequestId == execution.RequestId) || policy == WorkflowIdConflictPolicy.UseExisting)
                {
                    return new StartOutcome(latest.Key.RunId, false);
                }
                throw new WorkflowAlreadyStartedException(execution.WorkflowId, latest.Key.RunId);
            }
            if (latest is not null && signal is null && execution.RequestId is not null && latest.RequestId == execution.RequestId)
            {
                return new StartOutcome(latest.Key.RunId, false);
            }
            var run = CreateRun(execution, now);
            if (signal is not null)
            {
                AppendSignal(run, signal, now);
            }
            EnsureWorkflowTask(run, now);
            return new StartOutcome(run.Key.RunId, true);
        });

    /// <inheritdoc />
    public Task SignalWorkflowAsync(string workflowId, string? runId, SignalDelivery signal, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Write(() =>
        {
            AppendSignal(RunningOrThrow(workflowId, runId), signal, now);
            return true;
        });

    /// <inheritdoc />
    public Task RequestCancelWorkflowAsync(string workflowId, string? runId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Write(() =>
        {
            var run = RunningOrThrow(workflowId, runId);
            if (!run.History.Any(e => e.Attributes is WorkflowExecutionCancelRequested))
            {
                Append(run, new WorkflowExecutionCancelRequested(reason), now);
                EnsureWorkflowTask(run, now);
            }
            return true;
        });

    /// <inheritdoc />
    public Task TerminateWorkflowAsync(string workflowId, string? runId, string? reason, string? identity, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Write(() =>
        {
            Terminate(RunningOrThrow(workflowId, runId), reason, identity, now);
            return true;
        });

    /// <inheritdoc />
    public Task<WorkflowExecutionInfo?> GetExecutionAsync(string workflowId, string? runId, CancellationToken cancellationToken = default) =>
        Read(() => Find(workflowId, runId)?.ToInfo());

    /// <inheritdoc />
    public Task<WorkflowExecutionDescription?> DescribeAsync(string workflowId, string? runId, CancellationToken cancellationToken = default) =>
        Read(() =>
        {
            if (Find(workflowId, runId) is not { } run)
            {
                return null;
            }
            var activities = _activityTasks.Values.Where(a => a.Key == run.Key).OrderBy(a => a.ScheduledEventId).Select(a => new PendingActivityInfo(
                a.ScheduledEventId, a.ActivityType, a.Attempt,
                a.ClaimedBy is not null ? PendingActivityState.Started : a.Attempt > 1 ? PendingActivityState.Backoff : PendingActivityState.Scheduled,
                a.Task.ScheduledTime, a.ClaimedBy is null ? a.VisibleAt : null, a.LastHeartbeat, a.LastFailure, a.ClaimedBy)).ToList();
            var timers = _timers.Values.Where(t => t.Key == run.Key).OrderBy(t => t.FireAt).Select(t => new PendingTimerInfo(t.StartedEventId, t.FireAt)).ToList();
            _workflowTasks.TryGetValue(run.Key, out var workflowTask);
            return new WorkflowExecutionDescription(run.ToInfo(), activities, timers, workflowTask is not null, workflowTask?.Attempt ?? 0, run.LastWorkflowTaskFailure);
        });

    /// <inheritdoc />
    public Task<IReadOnlyList<HistoryEvent>> ReadHistoryAsync(ExecutionKey key, long afterEventId, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<HistoryEvent>>(() => _runs.TryGetValue(key, out var run) ? [.. run.History.Skip((int)afterEventId)] : []);

    /// <inheritdoc />
    public Task<WorkflowListPage> ListAsync(WorkflowListQuery query, CancellationToken cancellationToken = default) =>
        Read(() =>
        {
            var filter = query.SearchAttributes is { Count: > 0 } wanted
                ? JsonSerializer.SerializeToElement(SearchAttributeValues.ToJson(wanted), PayloadConverter.Options)
                : (JsonElement?)null;
            var (afterTime, afterRun) = ParsePageToken(query.PageToken);
            var rows = _runs.Values
                .Where(r => query.WorkflowType is null || r.WorkflowType == query.WorkflowType)
                .Where(r => query.Statuses is not { Count: > 0 } statuses || statuses.Contains(r.Status))
                .Where(r => query.StartedAfter is not { } after || r.StartTime >= after)
                .Where(r => query.StartedBefore is not { } before || r.StartTime < before)
                .Where(r => query.WorkflowIdPrefix is not { } prefix || r.Key.WorkflowId.StartsWith(prefix, StringComparison.Ordinal))
                .Where(r => filter is not { } f || JsonContainment.Contains(JsonSerializer.SerializeToElement(r.SearchAttributes, PayloadConverter.Options), f))
                .OrderByDescending(r => r.StartTime).ThenByDescending(r => r.Key.RunId, StringComparer.Ordinal)
                .Where(r => afterTime is null || r.StartTime < afterTime || (r.StartTime == afterTime && string.CompareOrdinal(r.Key.RunId, afterRun) < 0))
                .Take(Math.Clamp(query.PageSize, 1, 1000) + 1)
                .ToList();
            var pageSize = Math.Clamp(query.PageSize, 1, 1000);
            var page = rows.Take(pageSize).Select(r => r.ToInfo()).ToList();
            var token = rows.Count > pageSize ? PageToken(page[^1].StartTime, page[^1].RunId) : null;
            return new WorkflowListPage(page, token);
        });

    /// <inheritdoc />
    public Task WatchCloseAsync(string workflowId, bool watch, CancellationToken cancellationToken = default) => Task.CompletedTask;

    // ------------------------------------------------------------------ workers

    /// <inheritdoc />
    public Task<IReadOnlyList<WorkflowTaskClaim>> ClaimWorkflowTasksAsync(string taskQueue, int max, string workerId, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken = default) =>
        Write<IReadOnlyList<WorkflowTaskClaim>>(() =>
        {
            var claims = new List<WorkflowTaskClaim>();
            foreach (var row in _workflowTasks.Values.Where(w => w.TaskQueue == taskQueue && w.VisibleAt <= now && (w.ClaimedBy is null || w.LeaseUntil <= now))
                         .OrderBy(w => w.VisibleAt).Take(max).ToList())
            {
                var run = _runs[row.Key];
                row.ClaimToken = ++_claimSequence;
                row.ClaimedBy = workerId;
                row.LeaseUntil = now + lease;
                claims.Add(new WorkflowTaskClaim(row.Key, run.WorkflowType, row.TaskQueue, row.ClaimToken, row.Attempt, run.NextEventId)
                {
                    RecentEvents = [.. run.History.Skip(Math.Max(0, run.History.Count - WorkflowTaskClaim.RecentEventCount))],
                });
            }
            return claims;
        });

    /// <inheritdoc />
    public Task<CommitResult> CommitWorkflowTaskAsync(WorkflowTaskCommit commit, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Write(() =>
        {
            Run run;
            if (commit.NewRun is { } newRun)
            {
                // A repeated request id must find the earlier run (even closed), so the eager path steps aside too.
                if (Latest(newRun.WorkflowId) is { } latest
                    && (latest.Status == WorkflowStatus.Running || (newRun.RequestId is not null && latest.RequestId == newRun.RequestId)))
                {
                    return CommitResult.AlreadyExists;
                }
                run = CreateRun(newRun, now, appendStarted: false);
            }
            else
            {
                if (!_runs.TryGetValue(commit.Key, out var existing) || existing.Status != WorkflowStatus.Running || existing.NextEventId != commit.ExpectedNextEventId)
                {
                    return CommitResult.Conflict;
                }
                if (commit.WorkflowTaskClaimToken is { } token && (!_workflowTasks.TryGetValue(commit.Key, out var claimed) || claimed.ClaimToken != token))
                {
                    return CommitResult.Conflict;
                }
                if (commit.CompletedActivity is { } done && (!_activityTasks.TryGetValue((done.Key, done.ScheduledEventId), out var activity) || activity.ClaimToken != done.ClaimToken))
                {
                    return CommitResult.Conflict;
                }
                if (commit.SignalRequestId is { } requestId && _signalRequests.Contains((commit.Key.WorkflowId, requestId)))
                {
                    return CommitResult.Conflict;
                }
                run = existing;
            }

            foreach (var e in commit.Events)
            {
                if (e.EventId != run.NextEventId)
                {
                    throw new InvalidOperationException($"Commit for {run.Key} appends event {e.EventId} where {run.NextEventId} is next.");
                }
                run.History.Add(e);
            }
            if (commit.WorkflowTaskClaimToken is not null)
            {
                _workflowTasks.Remove(run.Key);
            }
            if (commit.CompletedActivity is { } completed)
            {
                _activityTasks.Remove((completed.Key, completed.ScheduledEventId));
            }
            if (commit.SignalRequestId is { } signalRequest)
            {
                _signalRequests.Add((run.Key.WorkflowId, signalRequest));
            }
            run.LastWorkflowTaskFailure = null;
            foreach (var task in commit.ActivityTasks)
            {
                _activityTasks[(run.Key, task.ScheduledEventId)] = new ActivityTaskRow(run.Key, run.WorkflowType, task)
                {
                    ClaimedBy = task.Eager?.WorkerId,
                    ClaimToken = task.Eager?.ClaimToken ?? 0,
                    LeaseUntil = task.Eager?.LeaseUntil,
                    StartedTime = task.Eager is null ? null : now,
                };
            }
            foreach (var timer in commit.Timers)
            {
                _timers[(run.Key, timer.StartedEventId)] = new TimerRow(run.Key, timer.StartedEventId, timer.FireAt);
            }
            foreach (var id in commit.CanceledTimers)
            {
                _timers.Remove((run.Key, id));
            }
            foreach (var id in commit.CanceledActivities)
            {
                _activityTasks.Remove((run.Key, id));
            }
            foreach (var (name, value) in commit.SearchAttributeUpdates ?? new Dictionary<string, JsonElement?>())
            {
                if (value is { } present)
                {
                    run.SearchAttributes[name] = present;
                }
                else
                {
                    run.SearchAttributes.Remove(name);
                }
            }
            foreach (var child in commit.ChildStarts)
            {
                if (Latest(child.Execution.WorkflowId) is { Status: WorkflowStatus.Running })
                {
                    Append(run, new StartChildWorkflowExecutionFailed(child.InitiatedEventId, child.Execution.WorkflowId, "WorkflowAlreadyStarted"), now);
                }
                else
                {
                    var childRun = CreateRun(child.Execution, now);
                    EnsureWorkflowTask(childRun, now);
                    Append(run, new ChildWorkflowExecutionStarted(child.InitiatedEventId, child.Execution.WorkflowId, child.Execution.RunId), now);
                }
            }
            foreach (var cancel in commit.CancelRequests)
            {
                if (Find(cancel.WorkflowId, cancel.RunId) is { Status: WorkflowStatus.Running } target
                    && !target.History.Any(e => e.Attributes is WorkflowExecutionCancelRequested))
                {
                    Append(target, new WorkflowExecutionCancelRequested($"Requested by {run.Key.WorkflowId}"), now);
                    EnsureWorkflowTask(target, now);
                }
            }
            if (commit.Close is { } close)
            {
                Close(run, close.Status, close.Result, close.Failure, close.ContinuedAs?.RunId, now);
                if (close.ContinuedAs is { } next)
                {
                    var nextRun = CreateRun(next with { Parent = run.Parent, SearchAttributes = new Dictionary<string, JsonElement>(run.SearchAttributes) }, now);
                    EnsureWorkflowTask(nextRun, now);
                }
            }
            else if (commit.ScheduleWorkflowTask)
            {
                EnsureWorkflowTask(run, now);
            }
            foreach (var queue in commit.NotifyQueues)
            {
                _pendingNotices.Add(new WorkNotice(WorkKind.ActivityTask, queue));
            }
            return CommitResult.Committed;
        });

    /// <inheritdoc />
    public Task FailWorkflowTaskAsync(ExecutionKey key, long claimToken, Failure failure, DateTimeOffset retryAt, CancellationToken cancellationToken = default) =>
        Write(() =>
        {
            if (_workflowTasks.TryGetValue(key, out var row) && row.ClaimToken == claimToken)
            {
                row.ClaimedBy = null;
                row.LeaseUntil = null;
                row.VisibleAt = retryAt;
                row.Attempt++;
                _runs[key].LastWorkflowTaskFailure = failure;
            }
            return true;
        });

    /// <inheritdoc />
    public Task ReleaseWorkflowTaskAsync(ExecutionKey key, long claimToken, CancellationToken cancellationToken = default) =>
        Write(() =>
        {
            if (_workflowTasks.TryGetValue(key, out var row) && row.ClaimToken == claimToken)
            {
                row.ClaimedBy = null;
                row.LeaseUntil = null;
                _pendingNotices.Add(new WorkNotice(WorkKind.WorkflowTask, row.TaskQueue));
            }
            return true;
        });

    /// <inheritdoc />
    public Task RequestWorkflowTaskAsync(ExecutionKey key, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Write(() =>
        {
            if (_runs.TryGetValue(key, out var run) && run.Status == WorkflowStatus.Running)
            {
                EnsureWorkflowTask(run, now);
            }
            return true;
        });

    /// <inheritdoc />
    public Task<IReadOnlyList<ActivityTaskClaim>> ClaimActivityTasksAsync(string taskQueue, int max, string workerId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Write<IReadOnlyList<ActivityTaskClaim>>(() =>
        {
            var claims = new List<ActivityTaskClaim>();
            foreach (var row in _activityTasks.Values
                         .Where(a => a.TaskQueue == taskQueue && a.ClaimedBy is null && a.VisibleAt <= now && (a.Task.Deadline is not { } d || d > now))
                         .OrderBy(a => a.VisibleAt).ThenBy(a => a.ScheduledEventId).Take(max).ToList())
            {
                row.ClaimToken = ++_claimSequence;
                row.ClaimedBy = workerId;
                row.StartedTime = now;
                row.LastHeartbeat = null;
                var claim = row.ToClaim();
                row.LeaseUntil = claim.LeaseUntil(now);
                claims.Add(claim);
            }
            return claims;
        });

    /// <inheritdoc />
    public Task<bool> CompleteActivityTaskAsync(ActivityTaskReference task, IReadOnlyList<HistoryEventAttributes> outcome, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Write(() =>
        {
            if (!_activityTasks.TryGetValue((task.Key, task.ScheduledEventId), out var row) || row.ClaimToken != task.ClaimToken)
            {
                return false;
            }
            _activityTasks.Remove((task.Key, task.ScheduledEventId));
            var run = _runs[task.Key];
            if (run.Status != WorkflowStatus.Running)
            {
                return false;
            }
            foreach (var attributes in outcome)
            {
                Append(run, attributes, now);
            }
            EnsureWorkflowTask(run, now);
            return true;
        });

    /// <inheritdoc />
    public Task<bool> RetryActivityTaskAsync(ActivityTaskReference task, int nextAttempt, DateTimeOffset visibleAt, Failure failure, CancellationToken cancellationToken = default) =>
        Write(() =>
        {
            if (!_activityTasks.TryGetValue((task.Key, task.ScheduledEventId), out var row) || row.ClaimToken != task.ClaimToken)
            {
                return false;
            }
            row.Attempt = nextAttempt;
            row.VisibleAt = visibleAt;
            row.ClaimedBy = null;
            row.LeaseUntil = null;
            row.LastFailure = failure;
            _pendingNotices.Add(new WorkNotice(WorkKind.ActivityTask, row.TaskQueue));
            return true;
        });

    /// <inheritdoc />
    public Task<bool> HeartbeatActivityTaskAsync(ActivityTaskReference task, JsonElement? details, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default) =>
        Write(() =>
        {
            if (!_activityTasks.TryGetValue((task.Key, task.ScheduledEventId), out var row) || row.ClaimToken != task.ClaimToken)
            {
                return false;
            }
            row.HeartbeatDetails = details ?? row.HeartbeatDetails;
            row.LastHeartbeat = now;
            row.LeaseUntil = leaseUntil;
            return true;
        });

    /// <inheritdoc />
    public Task ReleaseActivityTaskAsync(ActivityTaskReference task, CancellationToken cancellationToken = default) =>
        Write(() =>
        {
            if (_activityTasks.TryGetValue((task.Key, task.ScheduledEventId), out var row) && row.ClaimToken == task.ClaimToken)
            {
                row.ClaimedBy = null;
                row.LeaseUntil = null;
                _pendingNotices.Add(new WorkNotice(WorkKind.ActivityTask, row.TaskQueue));
            }
            return true;
        });

    /// <inheritdoc />
    public Task<IReadOnlyList<ActivityTaskClaim>> ClaimExpiredActivityTasksAsync(int max, string workerId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Write<IReadOnlyList<ActivityTaskClaim>>(() =>
        {
            var claims = new List<ActivityTaskClaim>();
            foreach (var row in _activityTasks.Values
                         .Where(a => (a.ClaimedBy is not null && a.LeaseUntil <= now) || (a.Task.Deadline is { } d && d <= now))
                         .OrderBy(a => a.ScheduledEventId).Take(max).ToList())
            {
                row.ClaimToken = ++_claimSequence;
                row.ClaimedBy = workerId;
                row.LeaseUntil = now + TimeSpan.FromMinutes(1);
                row.StartedTime ??= now;
                claims.Add(row.ToClaim());
            }
            return claims;
        });

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> FireDueTimersAsync(int max, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Write<IReadOnlyList<string>>(() =>
        {
            var queues = new HashSet<string>(StringComparer.Ordinal);
            foreach (var timer in _timers.Values.Where(t => t.FireAt <= now).OrderBy(t => t.FireAt).ThenBy(t => t.StartedEventId).Take(max).ToList())
            {
                _timers.Remove((timer.Key, timer.StartedEventId));
                var run = _runs[timer.Key];
                if (run.Status == WorkflowStatus.Running)
                {
                    Append(run, new TimerFired(timer.StartedEventId), now);
                    EnsureWorkflowTask(run, now);
                    queues.Add(run.TaskQueue);
                }
            }
            return [.. queues];
        });

    /// <inheritdoc />
    public Task<DateTimeOffset?> GetNextDueTimeAsync(CancellationToken cancellationToken = default) =>
        Read(() =>
        {
            var times = _workflowTasks.Values.Select(w => w.ClaimedBy is null ? w.VisibleAt : w.LeaseUntil!.Value)
                .Concat(_activityTasks.Values.Select(a => Min(a.ClaimedBy is null ? a.VisibleAt : a.LeaseUntil!.Value, a.Task.Deadline)))
                .Concat(_timers.Values.Select(t => t.FireAt))
                .ToList();
            return times.Count == 0 ? (DateTimeOffset?)null : times.Min();
        });

    /// <inheritdoc />
    public Task<int> PurgeClosedAsync(DateTimeOffset closedBefore, int max, CancellationToken cancellationToken = default) =>
        Write(() =>
        {
            var purged = _runs.Values.Where(r => r.CloseTime is { } closed && closed < closedBefore).Take(max).ToList();
            foreach (var run in purged)
            {
                _runs.Remove(run.Key);
                _byWorkflowId[run.Key.WorkflowId].Remove(run);
            }
            return purged.Count;
        });

    // ------------------------------------------------------------------ helpers (called under the lock)

    private Run CreateRun(NewExecution execution, DateTimeOffset now, bool appendStarted = true)
    {
        var run = new Run(execution, now);
        _runs[run.Key] = run;
        if (!_byWorkflowId.TryGetValue(execution.WorkflowId, out var runs))
        {
            _byWorkflowId[execution.WorkflowId] = runs = [];
        }
        runs.Add(run);
        if (appendStarted)
        {
            Append(run, execution.StartedEvent(), now);
        }
        return run;
    }

    private static void Append(Run run, HistoryEventAttributes attributes, DateTimeOffset now) =>
        run.History.Add(new HistoryEvent(run.NextEventId, now, attributes));

    private void AppendSignal(Run run, SignalDelivery signal, DateTimeOffset now)
    {
        if (signal.RequestId is not null && !_signalRequests.Add((run.Key.WorkflowId, signal.RequestId)))
        {
            return;
        }
        Append(run, new WorkflowExecutionSignaled(signal.SignalName, signal.Input, signal.RequestId, signal.TraceParent), now);
        EnsureWorkflowTask(run, now);
    }

    private void EnsureWorkflowTask(Run run, DateTimeOffset now)
    {
        if (_workflowTasks.TryAdd(run.Key, new WorkflowTaskRow(run.Key, run.TaskQueue, now)))
        {
            _pendingNotices.Add(new WorkNotice(WorkKind.WorkflowTask, run.TaskQueue));
        }
    }

    private void Terminate(Run run, string? reason, string? identity, DateTimeOffset now)
    {
        Append(run, new WorkflowExecutionTerminated(reason, identity), now);
        Close(run, WorkflowStatus.Terminated, null, new Failure { Kind = FailureKind.Terminated, Message = reason ?? "Terminated" }, null, now);
    }

    private void Close(Run run, WorkflowStatus status, JsonElement? result, Failure? failure, string? continuedAs, DateTimeOffset now)
    {
        run.Status = status;
        run.CloseTime = now;
        run.Result = result;
        run.Failure = failure;
        run.ContinuedAsRunId = continuedAs;
        _workflowTasks.Remove(run.Key);
        foreach (var key in _activityTasks.Keys.Where(k => k.Item1 == run.Key).ToList())
        {
            _activityTasks.Remove(key);
        }
        foreach (var key in _timers.Keys.Where(k => k.Item1 == run.Key).ToList())
        {
            _timers.Remove(key);
        }
        _pendingNotices.Add(new WorkNotice(WorkKind.Closed, run.Key.WorkflowId));
        if (status == WorkflowStatus.ContinuedAsNew)
        {
            return;
        }
        if (run.Parent is { } parent && _runs.TryGetValue(new ExecutionKey(parent.WorkflowId, parent.RunId), out var parentRun) && parentRun.Status == WorkflowStatus.Running)
        {
            Append(parentRun, new ChildWorkflowExecutionClosed(parent.InitiatedEventId, run.Key.WorkflowId, run.Key.RunId, status, result, failure), now);
            EnsureWorkflowTask(parentRun, now);
        }
        foreach (var child in _runs.Values.Where(c => c.Status == WorkflowStatus.Running && c.Parent is { } p && p.WorkflowId == run.Key.WorkflowId && p.RunId == run.Key.RunId).ToList())
        {
            if (child.Parent!.ClosePolicy == ParentClosePolicy.Terminate)
            {
                Terminate(child, "Parent closed", null, now);
            }
            else if (child.Parent.ClosePolicy == ParentClosePolicy.RequestCancel && !child.History.Any(e => e.Attributes is WorkflowExecutionCancelRequested))
            {
                Append(child, new WorkflowExecutionCancelRequested("Parent closed"), now);
                EnsureWorkflowTask(child, now);
            }
        }
    }

    private Run? Latest(string workflowId) => _byWorkflowId.TryGetValue(workflowId, out var runs) && runs.Count > 0 ? runs[^1] : null;

    private Run? Find(string workflowId, string? runId) =>
        runId is null ? Latest(workflowId) : _runs.GetValueOrDefault(new ExecutionKey(workflowId, runId));

    private Run RunningOrThrow(string workflowId, string? runId) =>
        Find(workflowId, runId) is { Status: WorkflowStatus.Running } run ? run : throw new WorkflowNotFoundException(workflowId, runId, $"Workflow {workflowId} has no running execution.");

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset? b) => b is { } other && other < a ? other : a;

    private static string PageToken(DateTimeOffset time, string runId) => $"{time.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{runId}";

    private static (DateTimeOffset?, string?) ParsePageToken(string? token)
    {
        if (token is null)
        {
            return (null, null);
        }
        var separator = token.IndexOf(':', StringComparison.Ordinal);
        return separator > 0 && long.TryParse(token.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? (new DateTimeOffset(ticks, TimeSpan.Zero), token[(separator + 1)..])
            : throw new ArgumentException("The page token is not valid.", nameof(token));
    }

    private Task<T> Write<T>(Func<T> body)
    {
        T result;
        WorkNotice[] notices;
        lock (_gate)
        {
            try
            {
                result = body();
                WriteCount++;
            }
            finally
            {
                notices = [.. _pendingNotices];
                _pendingNotices.Clear();
            }
        }
        foreach (var notice in notices)
        {
            WorkAvailable?.Invoke(notice);
        }
        return Task.FromResult(result);
    }

    private Task<T> Read<T>(Func<T> body)
    {
        lock (_gate)
        {
            return Task.FromResult(body());
        }
    }

    private sealed class Run(NewExecution execution, DateTimeOffset startTime)
    {
        public ExecutionKey Key { get; } = execution.Key;

        public string WorkflowType { get; } = execution.WorkflowType;

        public string TaskQueue { get; } = execution.TaskQueue;

        public string? RequestId { get; } = execution.RequestId;

        public ParentReference? Parent { get; } = execution.Parent;

        public DateTimeOffset StartTime { get; } = startTime;

        public List<HistoryEvent> History { get; } = [];

        public long NextEventId => History.Count + 1;

        public Dictionary<string, JsonElement> SearchAttributes { get; } = new(execution.SearchAttributes, StringComparer.Ordinal);

        public WorkflowStatus Status { get; set; } = WorkflowStatus.Running;

        public DateTimeOffset? CloseTime { get; set; }

        public JsonElement? Result { get; set; }

        public Failure? Failure { get; set; }

        public string? ContinuedAsRunId { get; set; }

        public Failure? LastWorkflowTaskFailure { get; set; }

        public WorkflowExecutionInfo ToInfo() =>
            new(Key.WorkflowId, Key.RunId, WorkflowType, TaskQueue, Status, StartTime, CloseTime, History.Count, new Dictionary<string, JsonElement>(SearchAttributes))
            {
                ParentWorkflowId = Parent?.WorkflowId,
                Result = Result,
                Failure = Failure,
                ContinuedAsRunId = ContinuedAsRunId,
            };
    }

    private sealed class WorkflowTaskRow(ExecutionKey key, string taskQueue, DateTimeOffset visibleAt)
    {
        public ExecutionKey Key { get; } = key;

        public string TaskQueue { get; } = taskQueue;

        public DateTimeOffset VisibleAt { get; set; } = visibleAt;

        public string? ClaimedBy { get; set; }

        public DateTimeOffset? LeaseUntil { get; set; }

        public long ClaimToken { get; set; }

        public int Attempt { get; set; } = 1;
    }

    private sealed class ActivityTaskRow(ExecutionKey key, string workflowType, NewActivityTask task)
    {
        public ExecutionKey Key { get; } = key;

        public string WorkflowType { get; } = workflowType;

        public NewActivityTask Task { get; } = task;

        public long ScheduledEventId => Task.ScheduledEventId;

        public string ActivityType => Task.ActivityType;

        public string TaskQueue => Task.TaskQueue;

        public int Attempt { get; set; } = 1;

        public DateTimeOffset VisibleAt { get; set; } = task.ScheduledTime;

        public string? ClaimedBy { get; set; }

        public long ClaimToken { get; set; }

        public DateTimeOffset? LeaseUntil { get; set; }

        public DateTimeOffset? StartedTime { get; set; }

        public DateTimeOffset? LastHeartbeat { get; set; }

        public JsonElement? HeartbeatDetails { get; set; }

        public Failure? LastFailure { get; set; }

        public ActivityTaskClaim ToClaim() => new(Key, WorkflowType, ScheduledEventId, ActivityType, TaskQueue, Task.Input, Attempt, ClaimToken,
            Task.StartToCloseTimeout, Task.HeartbeatTimeout, Task.Deadline, Task.RetryPolicy, Task.ScheduledTime, StartedTime ?? Task.ScheduledTime,
            LastHeartbeat, HeartbeatDetails, LastFailure, Task.TraceParent);
    }

    private sealed record TimerRow(ExecutionKey Key, long StartedEventId, DateTimeOffset FireAt);
}
