namespace EasyParkPlus.Engine.Hosting;

/// <summary>Options of the engine in this process (bound from the "WorkflowEngine" configuration section).</summary>
public sealed class WorkflowEngineOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "WorkflowEngine";

    /// <summary>Names this process in claims and history (host:pid:random by default).</summary>
    public string Identity { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>How long a claimed workflow task stays with its worker before another may take it.</summary>
    public TimeSpan WorkflowTaskLease { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Workflow code that holds its thread longer than this is reported as deadlocked.</summary>
    public TimeSpan DeadlockTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait before a failed workflow task (a bug, non-determinism) is tried again.</summary>
    public TimeSpan WorkflowTaskRetryMaxInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many live workflow instances this process keeps.</summary>
    public int CacheCapacity { get; set; } = 10_000;

    /// <summary>History length from which workflows are told to continue as new.</summary>
    public int SuggestContinueAsNewAfterEvents { get; set; } = 10_000;

    /// <summary>Run an activity on the worker that scheduled it when it has a free slot (saves two commits per step).</summary>
    public bool EagerActivities { get; set; } = true;

    /// <summary>Run a started workflow's first task in the starting process when it hosts a worker for the queue.</summary>
    public bool EagerStart { get; set; } = true;

    /// <summary>
    /// Deliver a signal to a run cached in this process by running its workflow task here and committing the signal
    /// together with the reaction (one round trip instead of signal, wake-up, claim, history read and commit).
    /// </summary>
    public bool EagerSignals { get; set; } = true;

    /// <summary>The safety-net poll interval of idle workers (wake-ups normally arrive by notification).</summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often due timers are looked for (timers created in this process wake the poller directly).</summary>
    public TimeSpan TimerPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often expired activity attempts (lost workers, timeouts) are looked for.</summary>
    public TimeSpan ExpiryPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long closed runs are kept before they are purged.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the purge of closed runs runs.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a stopping worker lets running activities finish before it cancels and releases them.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The task queues this process works on.</summary>
    public List<WorkerOptions> Workers { get; } = [];
}

/// <summary>One task queue this process polls.</summary>
public sealed class WorkerOptions
{
    /// <summary>The task queue name.</summary>
    public string TaskQueue { get; set; } = "default";

    /// <summary>Workflow tasks run at once.</summary>
    public int MaxConcurrentWorkflowTasks { get; set; } = 64;

    /// <summary>Activity attempts run at once.</summary>
    public int MaxConcurrentActivities { get; set; } = 64;
}
