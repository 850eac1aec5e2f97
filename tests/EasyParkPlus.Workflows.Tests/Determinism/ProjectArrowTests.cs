using EasyParkPlus.Domain;
using EasyParkPlus.Workflows.Parking;

namespace EasyParkPlus.Workflows.Tests.Determinism;

// Issue 12, project arrows: the workflow and domain assemblies as built reference no web, data or HTTP library, so no
// workflow can reach I/O through them (Directory.Build.props keeps the ASP.NET Core framework away from WorkflowCode).
public sealed class ProjectArrowTests
{
    private static readonly string[] Forbidden = ["Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore", "Npgsql", "System.Net.Http", "Microsoft.Extensions.Http"];

    public static TheoryData<string, string> Assemblies => new()
    {
        { "EasyParkPlus.Workflows", "Temporalio" },
        { "EasyParkPlus.Domain", "System.Runtime" },
    };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void GetReferencedAssemblies_WorkflowAndDomainAssemblies_ReferenceNoAspNetCoreEfCoreNpgsqlOrHttp(string name, string expected)
    {
        var assembly = new[] { typeof(ParkingSession).Assembly, typeof(Money).Assembly }.Single(a => a.GetName().Name == name);

        var referenced = assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        // What it must reference, so the list is the real one and the check below can fail.
        referenced.Should().Contain(expected);
        referenced.Should().NotContain(reference => Forbidden.Any(prefix => reference.StartsWith(prefix, StringComparison.Ordinal)),
            $"{assembly.GetName().Name} is workflow code and must stay free of I/O libraries");
    }
}
