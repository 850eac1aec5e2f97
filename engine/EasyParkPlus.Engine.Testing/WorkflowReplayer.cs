using EasyParkPlus.Engine.Definitions;
using EasyParkPlus.Engine.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace EasyParkPlus.Engine.Testing;

/// <summary>
/// Replays recorded histories (exported with <see cref="WorkflowHandle.ExportHistoryJsonAsync"/>) against the
/// current workflow code, so an incompatible change is caught before it is deployed.
/// </summary>
public sealed class WorkflowReplayer
{
    private readonly WorkflowRegistry _registry = new();

    /// <summary>Creates a replayer for the given workflow classes.</summary>
    public WorkflowReplayer(params Type[] workflows)
    {
        foreach (var workflow in workflows)
        {
            _registry.AddWorkflow(workflow);
        }
    }

    /// <summary>Replays an exported JSON history.</summary>
    /// <exception cref="WorkflowNondeterminismException">The code now issues different commands than the history recorded.</exception>
    public Task ReplayJsonAsync(string json)
    {
        var (workflowId, runId, events) = HistoryJson.Deserialize(json);
        return ReplayAsync(workflowId, runId, events);
    }

    /// <summary>Replays a history.</summary>
    /// <exception cref="WorkflowNondeterminismException">The code now issues different commands than the history recorded.</exception>
    public async Task ReplayAsync(string workflowId, string runId, IReadOnlyList<HistoryEvent> events)
    {
        if (events.Count == 0 || events[0].Attributes is not WorkflowExecutionStarted started)
        {
            throw new ArgumentException("A history starts with WorkflowExecutionStarted.", nameof(events));
        }
        var definition = _registry.FindWorkflow(started.WorkflowType)
            ?? throw new ArgumentException($"Workflow type {started.WorkflowType} is not registered with the replayer.", nameof(events));
        using var instance = new WorkflowInstance(definition, new WorkflowInfo(workflowId, runId, started.WorkflowType, started.TaskQueue),
            NullLogger.Instance, int.MaxValue);
        var complete = events.Take(WorkflowInstance.CompletedPrefixLength(events)).ToList();
        await Activation.RunAsync(instance, complete, complete.Count > 0 ? complete[^1].Timestamp : DateTimeOffset.UnixEpoch, "replayer",
            TimeSpan.FromSeconds(10), runLiveTask: false).ConfigureAwait(false);
    }

    /// <summary>The definition used for a workflow type (for tests that inspect it).</summary>
    internal WorkflowDefinition? Find(string workflowType) => _registry.FindWorkflow(workflowType);
}
