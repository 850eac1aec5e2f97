using EasyParkPlus.TemporalServer.History;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace EasyParkPlus.TemporalServer.Persistence;

/// <summary>A namespace with its custom search attributes (name → type). <see cref="Revision"/> guards replacement.</summary>
public sealed record NamespaceRecord(
    string Name,
    string Id,
    string Description,
    TimeSpan Retention,
    IReadOnlyDictionary<string, IndexedValueType> SearchAttributes,
    DateTimeOffset CreatedTime,
    long Revision = 0);

/// <summary>The latest run of a workflow id, what id-reuse and id-conflict policies decide on.</summary>
public sealed record CurrentRun(string RunId, WorkflowExecutionStatus Status, string StartRequestId, DateTimeOffset StartTime);

/// <summary>Guards and moves the current-run pointer of a workflow id when a run starts.</summary>
/// <param name="ExpectedRunId">The run that must be current now, or null when the id must be unused.</param>
public sealed record CurrentRunGuard(string? ExpectedRunId);

/// <summary>One atomic write of one or more runs (see <see cref="IServerStore"/>).</summary>
public sealed record CommitBatch(IReadOnlyList<RunCommit> Runs)
{
    /// <summary>Transfer tasks of other runs this batch carries out (deleted in the same transaction).</summary>
    public IReadOnlyList<TransferTaskKey> CompletedTransfers { get; init; } = [];
}

/// <summary>
/// What one transition writes for one run. Built by <see cref="RunEffects"/>, the one place that derives every row
/// from the state before and after, so every store writes the same meaning.
/// </summary>
public sealed record RunCommit
{
    public required RunKey Key { get; init; }

    /// <summary>The stored version this commit replaces; 0 creates the run.</summary>
    public required long ExpectedVersion { get; init; }

    /// <summary>The state after the transition (its <see cref="RunState.Version"/> is <see cref="ExpectedVersion"/> + 1).</summary>
    public required RunState State { get; init; }

    /// <summary>Events to append; the first one's id is the stored state's next event id.</summary>
    public required IReadOnlyList<HistoryEvent> Events { get; init; }

    /// <summary>Set when this commit creates the run: it becomes the workflow id's current run if the guard holds.</summary>
    public CurrentRunGuard? BecomeCurrent { get; init; }

    /// <summary>The current-run row to write when this run is (or becomes) current; null leaves it alone.</summary>
    public CurrentRun? Current { get; init; }

    /// <summary>The run's visibility record when it changed.</summary>
    public VisibilityRecord? Visibility { get; init; }

    public IReadOnlyList<TimerTask> AddedTimers { get; init; } = [];
    public IReadOnlyList<TimerTaskKey> RemovedTimers { get; init; } = [];
    public IReadOnlyList<QueueTask> AddedQueueTasks { get; init; } = [];
    public IReadOnlyList<QueueTaskKey> RemovedQueueTasks { get; init; } = [];
    public IReadOnlyList<TransferTask> AddedTransfers { get; init; } = [];
    public IReadOnlyList<TransferTaskKey> RemovedTransfers { get; init; } = [];
}

public enum TimerKind
{
    UserTimer,
    ActivityScheduleToStart,
    ActivityScheduleToClose,
    ActivityStartToClose,
    ActivityHeartbeat,
    ActivityRetry,
    WorkflowTaskStartToClose,
    WorkflowTaskScheduleToStart,
    WorkflowRunTimeout,
    WorkflowExecutionTimeout,
    WorkflowStartBackoff,
}

/// <summary>Names a timer: its run, kind, entity (timer id or scheduled event id) and the stamp of the attempt it guards.</summary>
public readonly record struct TimerTaskKey(RunKey Run, TimerKind Kind, string Entity, long Stamp);

/// <summary>A durable timer: at <see cref="FireTime"/> the server applies it to its run, if still relevant.</summary>
public sealed record TimerTask(TimerTaskKey Key, DateTimeOffset FireTime);

public enum QueueTaskType
{
    Workflow,
    Activity,
}

/// <summary>A task queue of a namespace, for workflow or for activity tasks.</summary>
public readonly record struct TaskQueueKey(string Namespace, string Name, QueueTaskType Type);

/// <summary>Names a queue task: the run, the scheduled event of its workflow task or activity, and that attempt's stamp.</summary>
public readonly record struct QueueTaskKey(RunKey Run, QueueTaskType Type, long ScheduledEventId, long Stamp);

/// <summary>A task waiting on a queue for a poller (hint only: the run's state decides whether it still counts).</summary>
public sealed record QueueTask(QueueTaskKey Key, string TaskQueue, DateTimeOffset CreatedTime)
{
    public TaskQueueKey Queue => new(Key.Run.Namespace, TaskQueue, Key.Type);
}

public enum TransferKind
{
    /// <summary>Start the child of a StartChildWorkflowExecutionInitiated event.</summary>
    StartChild,

    /// <summary>Deliver a SignalExternalWorkflowExecutionInitiated.</summary>
    SignalExternal,

    /// <summary>Deliver a RequestCancelExternalWorkflowExecutionInitiated.</summary>
    CancelExternal,

    /// <summary>Tell the parent that this child closed.</summary>
    NotifyParent,

    /// <summary>Apply the parent close policy to one open child of a closed run.</summary>
    ParentClosePolicy,
}

/// <summary>Names a cross-run effect: the run that causes it, its kind, and the event (or child) it is about.</summary>
public readonly record struct TransferTaskKey(RunKey Source, TransferKind Kind, long EventId);

public sealed record TransferTask(TransferTaskKey Key, DateTimeOffset CreatedTime);

/// <summary>What lists, counts and the UI see of a run. Written in the same commit as its history.</summary>
public sealed record VisibilityRecord
{
    public required RunKey Key { get; init; }
    public required string WorkflowType { get; init; }
    public required string TaskQueue { get; init; }
    public required WorkflowExecutionStatus Status { get; init; }
    public required DateTimeOffset StartTime { get; init; }
    public required DateTimeOffset ExecutionTime { get; init; }
    public DateTimeOffset? CloseTime { get; init; }
    public long HistoryLength { get; init; }
    public long HistorySizeBytes { get; init; }
    public long StateTransitionCount { get; init; }
    public SearchAttributes SearchAttributes { get; init; } = new();
    public Memo Memo { get; init; } = new();
    public WorkflowExecution? ParentExecution { get; init; }
    public WorkflowExecution? RootExecution { get; init; }
    public string FirstRunId { get; init; } = "";
}

public sealed record VisibilityPage(IReadOnlyList<VisibilityRecord> Records, byte[]? NextPageToken);
