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
    [InlineData(new[] { "server", "start-dev" }, 8233)]
    [InlineData(new[] { "server", "start-dev", "--port", "7300" }, 8300)]
    [InlineData(new[] { "server", "start-dev", "--port", "7300", "--ui-port", "9000" }, 9000)]
    [InlineData(new[] { "server", "start-dev", "--port", "65000", "--ui-port", "9000" }, 9000)]
    [InlineData(new[] { "server", "start-dev", "--headless" }, null)]
    [InlineData(new[] { "server", "start-dev", "--port", "65000", "--headless" }, null)]
    [InlineData(new[] { "7233" }, null)]
    public void WebUi_AsTemporalsCliPlacesIt_UiPortElseGrpcPortPlus1000NoneHeadlessOrForTheTestServer(string[] args, int? uiPort)
    {
        var options = ServerCommandLine.Parse(args);

        options.WebUi?.Port.Should().Be(uiPort);
        (options.WebUi is null).Should().Be(uiPort is null);
    }

    [Fact]
    public void Parse_PortWithNoRoomForTheUiPort_FormatExceptionNamingTheWayOut()
    {
        var parse = () => ServerCommandLine.Parse(["server", "start-dev", "--port", "65000"]);

        parse.Should().Throw<FormatException>().WithMessage("*--ui-port or --headless*");
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
