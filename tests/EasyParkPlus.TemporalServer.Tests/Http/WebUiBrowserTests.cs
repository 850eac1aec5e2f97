using System.Diagnostics;
using EasyParkPlus.TemporalServer.Http;
using EasyParkPlus.TestSupport;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Tests.Http;

/// <summary>
/// Issue 13, must-show 2: an operator's journey through the real Temporal Web UI (the built app our server serves) in
/// Debian's headless Chromium, driven by playwright-core (browser/webui-journey.mjs): list, filter, history with a
/// pending timer, a signal and a termination sent from the UI, pending activities, a query and the call stack, with no
/// error in the browser. Screenshots go to artifacts/test/webui.
/// </summary>
public sealed class WebUiBrowserTests(LiveWebUi live) : IClassFixture<LiveWebUi>
{
    private static readonly string Browser = Path.Combine(ServiceProcess.RepositoryRoot(), "tests", "EasyParkPlus.TemporalServer.Tests", "Http", "browser");

    [Fact]
    public async Task OperatorJourney_InHeadlessChromium_ListsFiltersSignalsQueriesAndTerminatesWithoutBrowserErrors()
    {
        var chromium = Environment.GetEnvironmentVariable("EASYPARK_CHROMIUM");
        File.Exists(chromium).Should().BeTrue("EASYPARK_CHROMIUM must name Debian's chromium (./easypark test installs and sets it)");
        new WebUiOptions().ResolveAssets().Should().NotBeNull("the UI must be built (./easypark test runs ./easypark ui_build first)");
        Directory.Exists(Path.Combine(Browser, "node_modules", "playwright-core")).Should().BeTrue("./easypark test runs npm install in tests/**/browser");
        var facility = "BOS" + Guid.NewGuid().ToString("N")[..6];
        var exitsOnSignal = await live.ParkAsync(facility);
        var stuckAtTheGate = await live.ParkAsync(facility, waitAtTheGate: true);
        var elsewhere = await live.ParkAsync("PHL" + Guid.NewGuid().ToString("N")[..6]);
        var artifacts = Path.Combine(Environment.GetEnvironmentVariable("EASYPARK_TEST_ARTIFACTS") ?? Path.Combine(ServiceProcess.RepositoryRoot(), "artifacts", "test"), "webui");

        var (exitCode, output) = await RunJourneyAsync(new Dictionary<string, string>
        {
            ["EASYPARK_CHROMIUM"] = chromium!,
            ["WEBUI_URL"] = live.Http.BaseAddress!.ToString(),
            ["WEBUI_NAMESPACE"] = "default",
            ["WEBUI_FILTER"] = $"FacilityId = '{facility}'",
            ["WEBUI_MATCHING"] = $"{exitsOnSignal.Id},{stuckAtTheGate.Id}",
            ["WEBUI_OTHER"] = elsewhere.Id,
            ["WEBUI_SIGNAL_ID"] = exitsOnSignal.Id,
            ["WEBUI_SIGNAL_NAME"] = "VehicleExited",
            ["WEBUI_SIGNAL_INPUT"] = "\"BOS-OUT-7\"",
            ["WEBUI_TERMINATE_ID"] = stuckAtTheGate.Id,
            ["WEBUI_PENDING_ACTIVITY"] = "OpenBarrier",
            ["WEBUI_QUERY_ANSWER"] = "parked",
            ["WEBUI_ARTIFACTS"] = artifacts,
        });

        exitCode.Should().Be(0, output);
        output.Should().Contain("webui journey: ok");
        // What the clicks did, seen from the server.
        (await exitsOnSignal.GetResultAsync()).Should().Be("BOS-OUT-7");
        var terminated = await stuckAtTheGate.DescribeAsync();
        terminated.Status.Should().Be(WorkflowExecutionStatus.Terminated);
        (await stuckAtTheGate.FetchHistoryAsync()).Events.Last().WorkflowExecutionTerminatedEventAttributes.Reason
            .Should().StartWith("terminated from the Web UI test", "the reason typed in the UI (which appends who sent it)");
        (await elsewhere.DescribeAsync()).Status.Should().Be(WorkflowExecutionStatus.Running);
        Directory.GetFiles(artifacts, "*.png").Select(Path.GetFileName).Should().Contain(["workflow-list-filtered.png", "workflow-terminated.png"]);
    }

    private static async Task<(int ExitCode, string Output)> RunJourneyAsync(IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Browser, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("webui-journey.mjs");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        try
        {
            await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill(entireProcessTree: true);
            }
        }
        return (node.ExitCode, $"{await stdout}\n{await stderr}");
    }
}
