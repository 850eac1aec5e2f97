using EasyParkPlus.TemporalServer.Frontend;

namespace EasyParkPlus.TemporalServer.Tests.Frontend;

public sealed class ServiceMethodsTests
{
    public static TheoryData<string> Services => [ServiceMethods.WorkflowService, ServiceMethods.OperatorService, ServiceMethods.TestService];

    /// <summary>The method tables read from the generated types are exactly the services' descriptors.</summary>
    [Theory]
    [MemberData(nameof(Services))]
    public void Of_Service_EqualsItsDescriptor(string service)
    {
        var descriptor = service switch
        {
            ServiceMethods.WorkflowService => Temporalio.Api.WorkflowService.V1.ServiceReflection.Descriptor.Services[0],
            ServiceMethods.OperatorService => Temporalio.Api.OperatorService.V1.ServiceReflection.Descriptor.Services[0],
            _ => Temporalio.Api.TestService.V1.ServiceReflection.Descriptor.Services[0],
        };

        var expected = descriptor.Methods.Select(m => (m.FullName, m.InputType.ClrType, m.OutputType.ClrType)).OrderBy(m => m.FullName);
        var actual = ServiceMethods.Of(service).Select(m => (m.FullName, m.Request, m.Response)).OrderBy(m => m.FullName);

        actual.Should().Equal(expected);
    }
}
