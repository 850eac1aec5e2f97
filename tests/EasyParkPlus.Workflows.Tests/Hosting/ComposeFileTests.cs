using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace EasyParkPlus.Workflows.Tests.Hosting;

/// <summary>
/// docker-compose.temporal.yml cannot be run here (no images can be pulled), so its shape is checked instead: it parses,
/// every service the application needs is there, and the addresses and ports the services give each other agree.
/// </summary>
public sealed partial class ComposeFileTests
{
    private const string TemporalPort = "7233";

    private static readonly YamlMappingNode Services = Load();

    private static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(Path.Combine(RepositoryRoot(), "docker-compose.temporal.yml")));
        stream.Load(reader);
        return (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"];
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EasyParkPlus.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new DirectoryNotFoundException("EasyParkPlus.sln not found above the test output");
    }

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static string? Env(string service, string variable) =>
        Service(service).Children.TryGetValue(new YamlScalarNode("environment"), out var env) ? Scalar((YamlMappingNode)env, variable) : null;

    private static IEnumerable<string> DependsOn(string service) =>
        !Service(service).Children.TryGetValue(new YamlScalarNode("depends_on"), out var deps) ? []
        : deps is YamlSequenceNode list ? list.Children.Select(d => ((YamlScalarNode)d).Value!)
        : ((YamlMappingNode)deps).Children.Keys.Select(k => ((YamlScalarNode)k).Value!);

    // "host:container" port mappings.
    private static IEnumerable<(string Host, string Container)> Ports(string service) =>
        !Service(service).Children.TryGetValue(new YamlScalarNode("ports"), out var ports) ? []
        : ((YamlSequenceNode)ports).Children.Select(p => ((YamlScalarNode)p).Value!.Split(':')).Select(p => (p[0], p[1]));

    private static readonly string[] OurServices = ["api", "worker", "ocpp-gateway"];

    [Fact]
    public void Services_TemporalOnPostgresUiAdminToolsAndOurs_AreAllThere()
    {
        Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).Should().Contain(
            ["postgres", "temporal", "temporal-ui", "temporal-admin-tools", "redis", "api", "worker", "ocpp-gateway"]);
        Scalar(Service("temporal"), "image").Should().StartWith("temporalio/auto-setup:");
        Scalar(Service("temporal-ui"), "image").Should().StartWith("temporalio/ui:");
        Scalar(Service("temporal-admin-tools"), "image").Should().StartWith("temporalio/admin-tools:");
        // The cluster persists to the PostgreSQL service, with the password the database was created with.
        Env("temporal", "DB").Should().StartWith("postgres");
        Env("temporal", "POSTGRES_SEEDS").Should().Be("postgres");
        Env("temporal", "POSTGRES_PWD").Should().Be(Env("postgres", "POSTGRES_PASSWORD"));
        DependsOn("temporal").Should().Contain("postgres");
    }

    [Fact]
    public void TemporalAddress_EveryClient_IsTheFrontendsServiceAndPublishedPort()
    {
        Ports("temporal").Should().Contain((TemporalPort, TemporalPort));
        foreach (var client in OurServices.Append("temporal-ui").Append("temporal-admin-tools"))
        {
            Env(client, "TEMPORAL_ADDRESS").Should().Be($"temporal:{TemporalPort}", $"{client} must reach the frontend");
            DependsOn(client).Should().Contain("temporal", $"{client} needs the cluster up");
        }
        foreach (var service in OurServices)
        {
            (Env(service, "TEMPORAL_NAMESPACE"), Env(service, "TEMPORAL_TASK_QUEUE")).Should().Be(("default", "easypark"));
        }
        Env("temporal", "DEFAULT_NAMESPACE").Should().Be(Env("api", "TEMPORAL_NAMESPACE"));
    }

    [Fact]
    public void Ports_PublishedOnce_AndTheConsoleLinksToThePublishedUi()
    {
        var published = Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).SelectMany(s => Ports(s).Select(p => p.Host)).ToList();
        published.Should().OnlyHaveUniqueItems();
        var ui = Ports("temporal-ui").Single();
        ui.Container.Should().Be("8080", "the temporalio/ui image listens on 8080");
        Env("api", "Console__TemporalUiUrl").Should().Be($"http://localhost:{ui.Host}");
        Env("temporal-ui", "TEMPORAL_CORS_ORIGINS").Should().Be($"http://localhost:{ui.Host}");
        // Internal URLs name services and ports that exist.
        Env("api", "EASYPARK_API_URL").Should().Be($"http://api:{Ports("api").Single().Container}");
        Env("api", "EASYPARK_GATEWAY_URL").Should().Be($"http://ocpp-gateway:{Port(Env("api", "EASYPARK_GATEWAY_INTERNAL_LISTEN")!)}");
    }

    [Fact]
    public void Worker_RunsTheWorkerTheImagePublishes_AndTheApiDoesNotRunOne()
    {
        var dockerfile = File.ReadAllText(Path.Combine(RepositoryRoot(), "Dockerfile"));
        foreach (var (service, project) in new[] { ("api", "EasyParkPlus.Api"), ("worker", "EasyParkPlus.Worker"), ("ocpp-gateway", "EasyParkPlus.OcppGateway") })
        {
            var command = ((YamlSequenceNode)Service(service)["command"]).Children.Select(c => ((YamlScalarNode)c).Value).ToList();
            var dll = command.Should().ContainSingle(c => c!.EndsWith($"/{project}.dll", StringComparison.Ordinal)).Which!;
            dockerfile.Should().Contain($"-o {Path.GetDirectoryName(dll)!.Replace('\\', '/')}", $"the image must publish {project} where {service} runs it");
        }
        Env("api", "Api__RunWorker").Should().Be("false");
    }

    private static string Port(string url) => PortPattern().Match(url).Groups[1].Value;

    [GeneratedRegex(@":(\d+)/?$")]
    private static partial Regex PortPattern();
}
