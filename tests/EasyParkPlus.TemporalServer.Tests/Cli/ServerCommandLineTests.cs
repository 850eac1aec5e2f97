using EasyParkPlus.TemporalServer.Cli;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Tests.Cli;

public sealed class ServerCommandLineTests
{
    [Fact]
    public void Parse_LonePort_TimeSkippingTestServer()
    {
        var options = ServerCommandLine.Parse(["7233"]);

        options.Port.Should().Be(7233);
        options.TimeSkipping.Should().BeTrue();
        options.Namespaces.Should().Equal("default");
    }

    [Fact]
    public void Parse_StartDevAsTheSdkLaunchesIt_DevServerWithEverySetting()
    {
        var options = ServerCommandLine.Parse([
            "server", "start-dev", "--port", "40123", "--namespace", "default", "--ip", "127.0.0.1", "--log-format", "json",
            "--log-level", "warn", "--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true", "--headless",
            "--db-filename", "/tmp/x.db", "--ui-port", "40124", "--search-attribute", "ParkingFacility=Keyword", "--namespace", "other",
        ]);

        options.TimeSkipping.Should().BeFalse();
        options.Port.Should().Be(40123);
        options.Namespaces.Should().Equal("default", "other");
        options.JsonLogs.Should().BeTrue();
        options.LogLevel.Should().Be(LogLevel.Warning);
        options.DynamicConfig.Should().Contain("frontend.enableUpdateWorkflowExecution", "true");
        options.Headless.Should().BeTrue();
        options.DatabaseFile.Should().Be("/tmp/x.db");
        options.UiPort.Should().Be(40124);
        options.SearchAttributes.Should().Contain("ParkingFacility", IndexedValueType.Keyword);
        options.Ignored.Should().BeEmpty();
    }

    [Fact]
    public void Parse_UnknownFlags_ToleratedAndReported()
    {
        var options = ServerCommandLine.Parse(["server", "start-dev", "--port=9000", "--metrics-port", "9001", "--sqlite-pragma", "journal_mode=WAL", "--verbose"]);

        options.Port.Should().Be(9000);
        options.Ignored.Should().Equal("--metrics-port", "9001", "--sqlite-pragma", "journal_mode=WAL", "--verbose");
    }

    [Theory]
    [InlineData("server")]
    [InlineData("start-dev")]
    [InlineData("server", "start-dev", "--port", "seventy")]
    [InlineData("server", "start-dev", "--port")]
    [InlineData("99999")]
    [InlineData("server", "start-dev", "--search-attribute", "Bad=Blob")]
    public void Parse_InvalidCommandLine_FormatException(params string[] args)
    {
        var parse = () => ServerCommandLine.Parse(args);

        parse.Should().Throw<FormatException>();
    }
}
