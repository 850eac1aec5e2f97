using System.Diagnostics;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.Domain;
using EasyParkPlus.Workflows;
using EasyParkPlus.Workflows.Parking;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Xunit.Abstractions;

namespace EasyParkPlus.Api.Tests.Console;

/// <summary>
/// The operator console in Debian's headless Chromium, driven by playwright-core (console-journey.mjs), against the real api
/// on a loopback port and PostgreSQL, with a real ParkingSession workflow that has left and waits for payment at the pay station.
/// The console's own workflow pages retired (issue 13): the session links to its page in the Temporal Web UI, whose journey
/// (signal, terminate, history) is WebUiJourneyTests in EasyParkPlus.Workflows.Tests.
/// </summary>
public sealed class ConsoleBrowserTests(ApiWithParkingFixture api, ITestOutputHelper output) : IClassFixture<ApiWithParkingFixture>
{
    [Fact]
    public async Task Operator_LogsIn_FindsRunningParkingSessionOnDashboard_LinkedToItsTemporalUiPage_OrByIdWithoutOne()
    {
        var plate = "CON" + Random.Shared.Next(1000, 9999);
        var sessionId = Guid.NewGuid();
        var id = $"parking-{sessionId}";
        // Parked two hours ago from the app (no gates), left just now: the session prices the stay and waits at the pay station.
        var exitAt = DateTimeOffset.UtcNow;
        var session = await api.Temporal.StartWorkflowAsync(
            (ParkingSession wf) => wf.RunAsync(new ParkingSessionInput(sessionId, "BOS", plate, SpaceType.Regular, exitAt.AddHours(-2), null)),
            new WorkflowOptions(id, "easypark")
            {
                TypedSearchAttributes = EasyParkSearchAttributes.Collection((EasyParkSearchAttributes.FacilityId, "BOS"), (EasyParkSearchAttributes.Plate, plate)),
            });
        await session.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(exitAt, null)));
        var scriptDir = ScriptDirectory();
        var artifacts = Path.Combine(Environment.GetEnvironmentVariable("EASYPARK_TEST_ARTIFACTS") is { Length: > 0 } a ? a : Path.Combine(RepoRoot(scriptDir), "artifacts", "test"), "console");
        Directory.CreateDirectory(artifacts);
        foreach (var old in new[] { "dashboard.png", "dashboard-without-temporal-ui.png", "workflow-detail.png" })
        {
            File.Delete(Path.Combine(artifacts, old));
        }

        var (exitCode, log) = await RunNodeAsync(scriptDir, "console-journey.mjs", new Dictionary<string, string>
        {
            ["CONSOLE_BASE_URL"] = api.BaseAddress.ToString(),
            ["CONSOLE_EMAIL"] = ApiFixture.OperatorEmail,
            ["CONSOLE_PASSWORD"] = ApiFixture.DevelopmentPassword,
            ["CONSOLE_PLATE"] = plate,
            ["CONSOLE_WORKFLOW_ID"] = id,
            ["CONSOLE_ARTIFACTS"] = artifacts,
            ["CONSOLE_TEMPORAL_LINK"] = $"{ApiFixture.TemporalUiUrl}namespaces/default/workflows/{id}",
            ["EASYPARK_CHROMIUM"] = Chromium(),
        });
        output.WriteLine(log);

        Assert.True(exitCode == 0, $"the browser journey failed:\n{log}");
        Assert.Contains("console journey: ok", log, StringComparison.Ordinal);
        // The console only read: the session still waits at the pay station.
        (await session.DescribeAsync()).Status.Should().Be(WorkflowExecutionStatus.Running);
        await session.TerminateAsync("the console journey is over");
        foreach (var shot in new[] { "dashboard.png", "dashboard-without-temporal-ui.png" })
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(artifacts, shot));
            Assert.True(bytes.Length > 10_000, $"{shot} is only {bytes.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
    }

    private static string Chromium()
    {
        var configured = Environment.GetEnvironmentVariable("EASYPARK_CHROMIUM");
        var path = configured is { Length: > 0 } ? configured : "/usr/bin/chromium";
        Assert.True(File.Exists(path), $"Chromium not found at {path}: install Debian's chromium (./easypark test does) or set EASYPARK_CHROMIUM.");
        return path;
    }

    private static string ScriptDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "EasyParkPlus.Api.Tests", "Console");
            if (File.Exists(Path.Combine(candidate, "console-journey.mjs")))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("tests/EasyParkPlus.Api.Tests/Console not found above " + AppContext.BaseDirectory);
    }

    private static string RepoRoot(string scriptDir) => Path.GetFullPath(Path.Combine(scriptDir, "..", "..", ".."));

    private static async Task<(int ExitCode, string Log)> RunNodeAsync(string workingDirectory, string script, IDictionary<string, string> environment)
    {
        if (!Directory.Exists(Path.Combine(workingDirectory, "node_modules", "playwright-core")))
        {
            var (code, log) = await RunAsync(workingDirectory, "npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], environment);
            Assert.True(code == 0, $"npm install failed:\n{log}");
        }
        return await RunAsync(workingDirectory, "node", [script], environment);
    }

    private static async Task<(int ExitCode, string Log)> RunAsync(string workingDirectory, string file, string[] arguments, IDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
