namespace EasyParkPlus.Engine;

/// <summary>The status of a workflow execution (one run).</summary>
public enum WorkflowStatus
{
    /// <summary>Running: waiting or making progress.</summary>
    Running = 1,

    /// <summary>Completed with a result.</summary>
    Completed = 2,

    /// <summary>Failed.</summary>
    Failed = 3,

    /// <summary>Cancelled on request.</summary>
    Canceled = 4,

    /// <summary>Terminated from outside.</summary>
    Terminated = 5,

    /// <summary>Closed and continued in a new run.</summary>
    ContinuedAsNew = 6,

    /// <summary>Timed out.</summary>
    TimedOut = 7,
}
