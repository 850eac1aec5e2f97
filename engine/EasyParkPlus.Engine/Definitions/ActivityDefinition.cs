using System.Reflection;

namespace EasyParkPlus.Engine.Definitions;

/// <summary>One activity method: its name, the service type DI resolves, and how to invoke it.</summary>
public sealed class ActivityDefinition
{
    private ActivityDefinition(string name, Type serviceType, MethodInfo method)
    {
        Name = name;
        ServiceType = serviceType;
        Method = method;
        ParameterTypes = [.. method.GetParameters().Select(p => p.ParameterType)];
        ResultType = Names.UnwrapResult(method.ReturnType);
    }

    /// <summary>The activity type name.</summary>
    public string Name { get; }

    /// <summary>The type resolved from the service provider to run the method on.</summary>
    public Type ServiceType { get; }

    /// <summary>The method.</summary>
    public MethodInfo Method { get; }

    /// <summary>Its parameter types.</summary>
    public IReadOnlyList<Type> ParameterTypes { get; }

    /// <summary>Its result type, <c>void</c> for none.</summary>
    public Type ResultType { get; }

    /// <summary>
    /// Every [Activity] method of <paramref name="implementation"/>, whether the attribute sits on the class's method or
    /// on the interface method it implements. DI resolves the class itself.
    /// </summary>
    public static IReadOnlyList<ActivityDefinition> From(Type implementation)
    {
        var found = new Dictionary<string, ActivityDefinition>(StringComparer.Ordinal);
        foreach (var method in implementation.GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (method.IsDefined(typeof(ActivityAttribute)))
            {
                found[Names.OfActivity(method)] = new ActivityDefinition(Names.OfActivity(method), implementation, method);
            }
        }
        foreach (var contract in implementation.GetInterfaces())
        {
            var map = implementation.GetInterfaceMap(contract);
            for (var i = 0; i < map.InterfaceMethods.Length; i++)
            {
                if (map.InterfaceMethods[i].IsDefined(typeof(ActivityAttribute)))
                {
                    var name = Names.OfActivity(map.InterfaceMethods[i]);
                    found[name] = new ActivityDefinition(name, implementation, map.TargetMethods[i]);
                }
            }
        }
        if (found.Count == 0)
        {
            throw new ArgumentException($"{implementation.Name} has no [Activity] methods.", nameof(implementation));
        }
        return [.. found.Values];
    }

    /// <summary>Runs the method and returns its result (null for none), unwrapping the task.</summary>
    public async Task<object?> InvokeAsync(object instance, object?[] arguments)
    {
        object? returned;
        try
        {
            returned = Method.Invoke(instance, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
        switch (returned)
        {
            case Task task:
                await task.ConfigureAwait(false);
                return ResultType == typeof(void) ? null : task.GetType().GetProperty("Result")!.GetValue(task);
            case ValueTask valueTask:
                await valueTask.ConfigureAwait(false);
                return null;
            default:
                if (returned is not null && returned.GetType().IsGenericType && returned.GetType().GetGenericTypeDefinition() == typeof(ValueTask<>))
                {
                    var asTask = (Task)returned.GetType().GetMethod("AsTask")!.Invoke(returned, null)!;
                    await asTask.ConfigureAwait(false);
                    return asTask.GetType().GetProperty("Result")!.GetValue(asTask);
                }
                return returned;
        }
    }
}
