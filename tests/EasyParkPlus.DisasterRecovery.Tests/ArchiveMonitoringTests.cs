using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.DisasterRecovery.Tests.Support;
using EasyParkPlus.LocalStripe;
using Xunit.Abstractions;

namespace EasyParkPlus.DisasterRecovery.Tests;

/// <summary>Must-show 4: a broken archive shows in the api's readiness and logs within one archive interval.</summary>
public sealed class ArchiveMonitoringTests(ITestOutputHelper output)
{
    // archive_timeout for the drill's cluster: one "archive interval".
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    // What a loaded 2-core machine adds to the interval: the archiver's three one-second retries, gzip, the HTTP poll.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task ArchiveFolderMissing_ShowsInReadinessAndLogWithinOneArchiveInterval_AndSoDoesTheRecovery()
    {
        await using var cluster = await DrillCluster.StartAsync(Interval);
        await using var stripe = await StripeStandIn.StartAsync();
        await using var system = await DrillSystem.StartAsync(cluster.ConnectionString, stripe, withGateway: false,
            new Dictionary<string, string> { ["Logging__LogLevel__EasyParkPlus.ServiceDefaults.Backups"] = "Information" });
        using var http = new HttpClient { BaseAddress = system.Api };
        var driver = await Driver.RegisterAsync(system.Api, "Archive Watcher", "ARC 1", card: null);
        using var app = await driver.ClientAsync(system.Api);
        var vehicles = 1;
        Task WriteAsync() => AddVehicleAsync(app, driver, $"ARC{++vehicles}");

        await cluster.WaitUntilArchivedAsync();
        var healthy = await WalArchiveCheckAsync(http);
        healthy.GetProperty("status").GetString().Should().Be("Healthy", healthy.ToString());
        healthy.GetProperty("data").GetProperty("health").GetString().Should().Be("Ok");

        // The backup disk is unmounted: the archive folder is gone. New WAL must be archived within one interval, and fails.
        var archive = Path.Combine(cluster.BackupFolder, "wal");
        Directory.Move(archive, archive + ".unmounted");
        await WriteAsync();
        var broken = Stopwatch.StartNew();
        var failing = await UntilAsync(http, check => check.GetProperty("data").GetProperty("health").GetString() == "Failing", Interval * 3 + Slack * 2);
        var seenInReadiness = broken.Elapsed;
        failing.GetProperty("status").GetString().Should().Be("Degraded");
        failing.GetProperty("description").GetString().Should().Contain("WAL archiving is failing");
        await UntilLoggedAsync(system, "\"EventId\":9001", Interval * 3 + Slack * 2);
        var seenInLog = broken.Elapsed;
        output.WriteLine($"archive folder missing: readiness said so after {seenInReadiness.TotalSeconds:0.0} s, the log after {seenInLog.TotalSeconds:0.0} s (interval {Interval.TotalSeconds} s)");
        seenInReadiness.Should().BeLessThan(Interval + Slack, "the failure shows once the next segment is due, within one archive interval");
        seenInLog.Should().BeLessThan(Interval * 2 + Slack, "the monitor reads the archiver once per interval");
        // The api keeps serving: a backup problem is not an outage.
        (await http.GetAsync(new Uri("health/ready", UriKind.Relative))).IsSuccessStatusCode.Should().BeTrue();

        // The disk is back: archiving catches up with what waited, and readiness and the log say so.
        Directory.Move(archive + ".unmounted", archive);
        var recovered = await UntilAsync(http, check => check.GetProperty("status").GetString() == "Healthy", TimeSpan.FromSeconds(90), WriteAsync);
        recovered.GetProperty("data").GetProperty("health").GetString().Should().Be("Ok");
        await UntilLoggedAsync(system, "\"EventId\":9003", Interval * 3 + Slack);
    }

    private static async Task AddVehicleAsync(HttpClient app, Driver driver, string plate)
    {
        using var added = await app.PostAsJsonAsync($"api/v1/users/{driver.Id}/vehicles", new { plate, fuel = "ice", kind = "car" });
        await Driver.Expect(added, System.Net.HttpStatusCode.Created);
    }

    private static async Task<JsonElement> WalArchiveCheckAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("health/ready", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("checks").GetProperty("wal-archive");
    }

    // Polls readiness (another process's view of the database) until the condition holds; between polls, writes more
    // WAL when asked to, so the archiver has something new to retry with.
    private static async Task<JsonElement> UntilAsync(HttpClient http, Func<JsonElement, bool> condition, TimeSpan limit, Func<Task>? between = null)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var check = await WalArchiveCheckAsync(http);
            if (condition(check))
            {
                return check;
            }
            DateTime.UtcNow.Should().BeBefore(deadline, $"the wal-archive check never got there: {check}");
            await (between?.Invoke() ?? Task.Delay(200));
        }
    }

    private static async Task UntilLoggedAsync(DrillSystem system, string text, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!system.ApiProcess.Output.Contains(text, StringComparison.Ordinal))
        {
            DateTime.UtcNow.Should().BeBefore(deadline, $"the api never logged {text}:\n{system.ApiProcess.Output[^Math.Min(4000, system.ApiProcess.Output.Length)..]}");
            await Task.Delay(200);
        }
    }
}
