using System.Linq.Expressions;
using System.Reflection;

namespace EasyParkPlus.Engine.Definitions;

internal static class Names
{
    public static string TrimAsync(string name) =>
        name.Length > 5 && name.EndsWith("Async", StringComparison.Ordinal) ? name[..^5] : name;

    public static string OfActivity(MethodInfo method) =>
        method.GetCustomAttribute<ActivityAttribute>()?.Name ?? TrimAsync(method.Name);

    public static string OfSignal(MethodInfo method) =>
        method.GetCustomAttribute<WorkflowSignalAttribute>()?.Name ?? TrimAsync(method.Name);

    /// <summary>The result type behind Task, Task&lt;T&gt;, ValueTask, ValueTask&lt;T&gt; or a plain return type; void for none.</summary>
    public static Type UnwrapResult(Type returnType)
    {
        if (returnType == typeof(Task) || returnType == typeof(ValueTask) || returnType == typeof(void))
        {
            return typeof(void);
        }
        if (returnType.IsGenericType)
        {
            var generic = returnType.GetGenericTypeDefinition();
            if (generic == typeof(Task<>) || generic == typeof(ValueTask<>))
            {
                return returnType.GetGenericArguments()[0];
            }
        }
        return returnType;
    }
}

/// <summary>Reads the method and the argument values out of a call expression such as <c>a =&gt; a.ChargeAsync(amount)</c>.</summary>
internal static class CallExpressions
{
    public static (MethodInfo Method, object?[] Arguments) Read(LambdaExpression lambda, string what)
    {
        if (lambda.Body is not MethodCallExpression call || call.Object is not ParameterExpression)
        {
            throw new ArgumentException($"{what} must be a direct call on the lambda parameter, e.g. x => x.DoAsync(arg).", nameof(lambda));
        }
        var arguments = new object?[call.Arguments.Count];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Evaluate(call.Arguments[i]);
        }
        return (call.Method, arguments);
    }

    public static MemberInfo ReadMember(LambdaExpression lambda, string what) => lambda.Body switch
    {
        MemberExpression { Expression: ParameterExpression } member => member.Member,
        MethodCallExpression { Object: ParameterExpression } call => call.Method,
        _ => throw new ArgumentException($"{what} must name a member of the lambda parameter, e.g. x => x.Status.", nameof(lambda)),
    };

    /// <summary>
    /// Evaluates an argument without compiling in the common cases (constants and captured locals), because
    /// workflow code calls activities on the hot path and expression compilation costs about a millisecond.
    /// </summary>
    private static object? Evaluate(Expression expression)
    {
        switch (expression)
        {
            case ConstantExpression constant:
                return constant.Value;
            case MemberExpression { Member: FieldInfo field } member:
                return field.GetValue(member.Expression is null ? null : Evaluate(member.Expression));
            case MemberExpression { Member: PropertyInfo property } member:
                return property.GetValue(member.Expression is null ? null : Evaluate(member.Expression));
            case UnaryExpression { NodeType: ExpressionType.Convert } convert when convert.Operand.Type.IsAssignableTo(convert.Type):
                return Evaluate(convert.Operand);
            default:
                return Expression.Lambda(expression).Compile(preferInterpretation: true).DynamicInvoke();
        }
    }
}
