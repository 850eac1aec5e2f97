namespace EasyParkPlus.Engine;

/// <summary>Marks a class as a workflow definition. The workflow type name defaults to the class name.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class WorkflowAttribute(string? name = null) : Attribute
{
    /// <summary>The workflow type name recorded in history; defaults to the class name.</summary>
    public string? Name { get; } = name;
}

/// <summary>Marks the single entry method of a workflow. It must return <see cref="Task"/> or <see cref="Task{TResult}"/>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class WorkflowRunAttribute : Attribute;

/// <summary>
/// Marks a method that receives a signal. It must return <see cref="Task"/>; the name defaults to the method
/// name without an <c>Async</c> suffix.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class WorkflowSignalAttribute(string? name = null) : Attribute
{
    /// <summary>The signal name; defaults to the method name without an <c>Async</c> suffix.</summary>
    public string? Name { get; } = name;
}

/// <summary>
/// Marks a method or property that answers a query. Queries must not change workflow state and must not
/// await anything; the name defaults to the member name.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class WorkflowQueryAttribute(string? name = null) : Attribute
{
    /// <summary>The query name; defaults to the member name.</summary>
    public string? Name { get; } = name;
}

/// <summary>
/// Marks an activity method. It may sit on an interface (the workflow calls the interface) or on a class.
/// The activity type name defaults to the method name without an <c>Async</c> suffix.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ActivityAttribute(string? name = null) : Attribute
{
    /// <summary>The activity type name; defaults to the method name without an <c>Async</c> suffix.</summary>
    public string? Name { get; } = name;
}
