using System.Reflection;
using Google.Protobuf;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>One unary method of a Temporal gRPC service and its message types.</summary>
public sealed record ServiceMethod(string Service, string Name, Type Request, Type Response)
{
    /// <summary>The method's full name as its descriptor spells it, e.g. temporal.api.workflowservice.v1.WorkflowService.StartWorkflowExecution.</summary>
    public string FullName => $"{Service}.{Name}";
}

/// <summary>
/// The methods of the services the server speaks, read from the message types Temporalio.dll generates. Temporal's
/// API rules name every WorkflowService and OperatorService method's messages <c>{Method}Request</c> and
/// <c>{Method}Response</c>, so the pairs are the methods; the TestService, which does not follow that rule, is read
/// from its (small) descriptor. Reading the WorkflowService descriptor instead would build protobuf reflection for
/// the whole API (about 0.7 s of CPU), and the SDK gives a server it launches only 5 s to answer. A test checks that
/// these tables equal the descriptors.
/// </summary>
public static class ServiceMethods
{
    public const string WorkflowService = "temporal.api.workflowservice.v1.WorkflowService";
    public const string OperatorService = "temporal.api.operatorservice.v1.OperatorService";
    public const string TestService = "temporal.api.testservice.v1.TestService";

    private static readonly Lazy<IReadOnlyList<ServiceMethod>> Workflow = new(() => ByNamingRule(WorkflowService, typeof(Temporalio.Api.WorkflowService.V1.StartWorkflowExecutionRequest)));
    private static readonly Lazy<IReadOnlyList<ServiceMethod>> Operator = new(() => ByNamingRule(OperatorService, typeof(Temporalio.Api.OperatorService.V1.AddSearchAttributesRequest)));
    private static readonly Lazy<IReadOnlyList<ServiceMethod>> Test = new(() =>
        [.. Temporalio.Api.TestService.V1.ServiceReflection.Descriptor.Services[0].Methods
            .Select(m => new ServiceMethod(TestService, m.Name, m.InputType.ClrType, m.OutputType.ClrType))]);

    public static IReadOnlyList<ServiceMethod> Of(string service) => service switch
    {
        WorkflowService => Workflow.Value,
        OperatorService => Operator.Value,
        TestService => Test.Value,
        _ => throw new ArgumentException($"unknown service {service}", nameof(service)),
    };

    /// <summary>The parser of a generated message type (its static <c>Parser</c> property).</summary>
    public static MessageParser<T> Parser<T>()
        where T : IMessage<T> =>
        (MessageParser<T>)typeof(T).GetProperty("Parser", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static List<ServiceMethod> ByNamingRule(string service, Type sample)
    {
        var types = sample.Assembly.GetExportedTypes()
            .Where(t => t.Namespace == sample.Namespace && !t.IsNested && typeof(IMessage).IsAssignableFrom(t))
            .ToDictionary(t => t.Name, StringComparer.Ordinal);
        var methods = new List<ServiceMethod>();
        foreach (var (name, request) in types)
        {
            if (name.EndsWith("Request", StringComparison.Ordinal) && types.TryGetValue(name[..^"Request".Length] + "Response", out var response))
            {
                methods.Add(new ServiceMethod(service, name[..^"Request".Length], request, response));
            }
        }
        return methods;
    }
}
