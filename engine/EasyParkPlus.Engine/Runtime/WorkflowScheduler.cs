namespace EasyParkPlus.Engine.Runtime;

/// <summary>
/// Runs one workflow instance's code on the thread that activates it, one continuation at a time, in the order
/// they were queued. Work queued from any other thread (a continuation after <c>Task.Run</c>, <c>Task.Delay</c> or
/// real I/O) is refused and recorded, because replay could never reproduce its timing.
/// </summary>
internal sealed class WorkflowScheduler(WorkflowInstance instance) : TaskScheduler
{
    private readonly Queue<Task> _ready = new();
    private Thread? _activationThread;

    public WorkflowInstance Instance { get; } = instance;

    public string? Violation { get; private set; }

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>The instance whose code is running on this thread, if any.</summary>
    public static WorkflowInstance? CurrentInstance => (Current as WorkflowScheduler)?.Instance ?? WorkflowInstance.ActiveOnThisThread;

    public void BeginActivation() => _activationThread = Thread.CurrentThread;

    public void EndActivation() => _activationThread = null;

    /// <summary>Runs queued work until none is left; returns whether anything ran.</summary>
    public bool Drain()
    {
        var ran = false;
        while (_ready.TryDequeue(out var task))
        {
            ran = true;
            TryExecuteTask(task);
        }
        return ran;
    }

    protected override void QueueTask(Task task)
    {
        if (_activationThread is null || Thread.CurrentThread != _activationThread)
        {
            Violation ??= "Workflow code awaited work that completed outside the workflow (Task.Run, Task.Delay, a thread, " +
                "ConfigureAwait(false) or real I/O). Workflows may only await Workflow.* APIs; do side effects in activities.";
            Instance.OnForeignWork();
            return;
        }
        _ready.Enqueue(task);
    }

    // Never inline: every continuation goes through the queue so the order is the same on every replay.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => [.. _ready];
}
