using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EasyParkPlus.Engine.Runtime;

/// <summary>The engine's traces and metrics (subscribe to "EasyParkPlus.Engine").</summary>
public static class EngineTelemetry
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "EasyParkPlus.Engine";

    internal static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> WorkflowsStarted = Meter.CreateCounter<long>("engine.workflows.started", description: "Workflow runs started");
    internal static readonly Counter<long> WorkflowsClosed = Meter.CreateCounter<long>("engine.workflows.closed", description: "Workflow runs closed, by status");
    internal static readonly Counter<long> WorkflowTaskFailures = Meter.CreateCounter<long>("engine.workflow_tasks.failed", description: "Workflow tasks that failed (bugs, non-determinism)");
    internal static readonly Counter<long> WorkflowTaskConflicts = Meter.CreateCounter<long>("engine.workflow_tasks.conflicts", description: "Workflow task commits refused by optimistic concurrency");
    internal static readonly Counter<long> EagerSignals = Meter.CreateCounter<long>("engine.signals.eager", description: "Signals committed together with the reaction of a run cached in the signalling process");
    internal static readonly Histogram<double> WorkflowTaskLatency = Meter.CreateHistogram<double>("engine.workflow_task.duration", "ms", "Time to run and commit a workflow task");
    internal static readonly Histogram<double> ActivityLatency = Meter.CreateHistogram<double>("engine.activity.duration", "ms", "Time one activity attempt ran");
    internal static readonly Counter<long> ActivityRetries = Meter.CreateCounter<long>("engine.activities.retried", description: "Activity attempts that failed and were scheduled again");
    internal static readonly Counter<long> ActivityFailures = Meter.CreateCounter<long>("engine.activities.failed", description: "Activities that failed or timed out for good");

    /// <summary>Starts a span whose parent is a W3C traceparent recorded in history.</summary>
    internal static Activity? StartSpan(string name, string? traceParent, ActivityKind kind = ActivityKind.Internal) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind);

    /// <summary>The W3C traceparent of the current span, if any.</summary>
    internal static string? CurrentTraceParent => Activity.Current?.Id is { } id && Activity.Current.IdFormat == ActivityIdFormat.W3C ? id : null;
}
