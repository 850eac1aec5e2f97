using System.Collections.Concurrent;
using System.Reflection;

namespace EasyParkPlus.Engine.Definitions;

/// <summary>What the engine knows about a workflow class, read once by reflection.</summary>
public sealed class WorkflowDefinition
{
    private static readonly ConcurrentDictionary<Type, WorkflowDefinition> Cache = new();

    private WorkflowDefinition(Type type)
    {
        var attribute = type.GetCustomAttribute<WorkflowAttribute>()
            ?? throw new ArgumentException($"{type.Name} is not marked [Workflow].", nameof(type));
        if (type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new ArgumentException($"Workflow {type.Name} needs a public parameterless constructor.", nameof(type));
        }

        Type = type;
        Name = attribute.Name ?? type.Name;
        var methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance);
        var runs = methods.Where(m => m.IsDefined(typeof(WorkflowRunAttribute))).ToList();
        if (runs.Count != 1)
        {
            throw new ArgumentException($"Workflow {type.Name} must have exactly one [WorkflowRun] method, found {runs.Count}.", nameof(type));
        }
        RunMethod = runs[0];
        if (!typeof(Task).IsAssignableFrom(RunMethod.ReturnType))
        {
            throw new ArgumentException($"[WorkflowRun] {type.Name}.{RunMethod.Name} must return Task or Task<T>.", nameof(type));
        }
        RunParameterTypes = [.. RunMethod.GetParameters().Select(p => p.ParameterType)];
        ResultType = Names.UnwrapResult(RunMethod.ReturnType);

        foreach (var method in methods.Where(m => m.IsDefined(typeof(WorkflowSignalAttribute))))
        {
            if (method.ReturnType != typeof(Task))
            {
                throw new ArgumentException($"[WorkflowSignal] {type.Name}.{method.Name} must return Task.", nameof(type));
            }
            Signals.Add(Names.OfSignal(method), new SignalDefinition(Names.OfSignal(method), method, [.. method.GetParameters().Select(p => p.ParameterType)]));
        }

        foreach (var member in type.GetMembers(BindingFlags.Public | BindingFlags.Instance).Where(m => m.IsDefined(typeof(WorkflowQueryAttribute))))
        {
            var name = member.GetCustomAttribute<WorkflowQueryAttribute>()!.Name ?? member.Name;
            Queries.Add(name, member switch
            {
                PropertyInfo property => new QueryDefinition(name, member, [], property.PropertyType),
                MethodInfo method when typeof(Task).IsAssignableFrom(method.ReturnType) =>
                    throw new ArgumentException($"[WorkflowQuery] {type.Name}.{method.Name} must not be async.", nameof(type)),
                MethodInfo method => new QueryDefinition(name, member, [.. method.GetParameters().Select(p => p.ParameterType)], method.ReturnType),
                _ => throw new ArgumentException($"[WorkflowQuery] {type.Name}.{member.Name} must be a method or property.", nameof(type)),
            });
        }
    }

    /// <summary>The workflow class.</summary>
    public Type Type { get; }

    /// <summary>The workflow type name.</summary>
    public string Name { get; }

    /// <summary>The [WorkflowRun] method.</summary>
    public MethodInfo RunMethod { get; }

    /// <summary>Its parameter types.</summary>
    public IReadOnlyList<Type> RunParameterTypes { get; }

    /// <summary>Its result type, <c>void</c> for none.</summary>
    public Type ResultType { get; }

    /// <summary>Signals by name.</summary>
    public Dictionary<string, SignalDefinition> Signals { get; } = new(StringComparer.Ordinal);

    /// <summary>Queries by name.</summary>
    public Dictionary<string, QueryDefinition> Queries { get; } = new(StringComparer.Ordinal);

    /// <summary>The definition of <paramref name="type"/>, validated and cached.</summary>
    public static WorkflowDefinition For(Type type) => Cache.GetOrAdd(type, static t => new WorkflowDefinition(t));

    /// <summary>The signal a method implements.</summary>
    public SignalDefinition SignalFor(MethodInfo method) =>
        Signals.Values.FirstOrDefault(s => s.Method == method)
        ?? throw new ArgumentException($"{Type.Name}.{method.Name} is not a [WorkflowSignal] method.", nameof(method));

    /// <summary>The query a member implements.</summary>
    public QueryDefinition QueryFor(MemberInfo member) =>
        Queries.Values.FirstOrDefault(q => q.Member == member)
        ?? throw new ArgumentException($"{Type.Name}.{member.Name} is not a [WorkflowQuery] member.", nameof(member));
}

/// <summary>A signal handler.</summary>
public sealed record SignalDefinition(string Name, MethodInfo Method, IReadOnlyList<Type> ParameterTypes);

/// <summary>A query handler.</summary>
public sealed record QueryDefinition(string Name, MemberInfo Member, IReadOnlyList<Type> ParameterTypes, Type ResultType)
{
    /// <summary>Runs the query against a workflow object.</summary>
    public object? Invoke(object workflow, object?[] arguments) => Member switch
    {
        PropertyInfo property => property.GetValue(workflow),
        MethodInfo method => method.Invoke(workflow, arguments),
        _ => null,
    };
}
