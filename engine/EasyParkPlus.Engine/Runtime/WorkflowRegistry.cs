using EasyParkPlus.Engine.Definitions;

namespace EasyParkPlus.Engine.Runtime;

/// <summary>The workflow and activity types this process knows, by name.</summary>
public sealed class WorkflowRegistry
{
    private readonly Dictionary<string, WorkflowDefinition> _workflows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActivityDefinition> _activities = new(StringComparer.Ordinal);

    /// <summary>Registers a workflow class.</summary>
    public WorkflowDefinition AddWorkflow(Type type)
    {
        var definition = WorkflowDefinition.For(type);
        if (_workflows.TryGetValue(definition.Name, out var existing) && existing.Type != type)
        {
            throw new ArgumentException($"Workflow type name {definition.Name} is used by both {existing.Type.FullName} and {type.FullName}.", nameof(type));
        }
        _workflows[definition.Name] = definition;
        return definition;
    }

    /// <summary>Registers every [Activity] method of a class.</summary>
    public IReadOnlyList<ActivityDefinition> AddActivities(Type implementation)
    {
        var definitions = ActivityDefinition.From(implementation);
        foreach (var definition in definitions)
        {
            if (_activities.TryGetValue(definition.Name, out var existing) && existing.ServiceType != implementation)
            {
                throw new ArgumentException($"Activity type name {definition.Name} is used by both {existing.ServiceType.Name} and {implementation.Name}.", nameof(implementation));
            }
            _activities[definition.Name] = definition;
        }
        return definitions;
    }

    /// <summary>All registered workflows.</summary>
    public IReadOnlyCollection<WorkflowDefinition> Workflows => _workflows.Values;

    /// <summary>The workflow registered under <paramref name="name"/>, if any.</summary>
    public WorkflowDefinition? FindWorkflow(string name) => _workflows.GetValueOrDefault(name);

    /// <summary>The activity registered under <paramref name="name"/>, if any.</summary>
    public ActivityDefinition? FindActivity(string name) => _activities.GetValueOrDefault(name);
}
