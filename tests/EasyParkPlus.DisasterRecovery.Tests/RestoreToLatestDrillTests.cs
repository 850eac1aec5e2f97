using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.DisasterRecovery.Tests.Support;
using EasyParkPlus.LocalStripe;
using Xunit.Abstractions;

namespace EasyParkPlus.DisasterRecovery.Tests;

/// <summary>
/// Must-show 2 (and 3's restore time): the disk dies under steady traffic, the cluster is restored to the latest point
/// the archive holds, and what is lost is at most what the archive timeout allows.
/// </summary>
public sealed class RestoreToLatestDrillTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ArchiveTimeout = TimeSpan.FromSeconds(5);

    // The archiver's copy (gzip of a 16 MB segment) and the checkpointer's wake-up on a loaded 2-core machine.
    private static readonly TimeSpan ArchiveLatency = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task RestoreLatest_AfterTheDiskIsLostUnderTraffic_LosesAtMostTheArchiveTimeout()
    {
        await using var cluster = await DrillCluster.StartAsync(ArchiveTimeout);
        await using var stripe = await StripeStandIn.StartAsync();
        Driver driver;
        var acknowledged = new List<(string Plate, DateTimeOffset At)>();
        DateTimeOffset lostAt;
        await using (var system = await DrillSystem.StartAsync(cluster.ConnectionString, stripe, withGateway: false))
        {
            driver = await Driver.RegisterAsync(system.Api, "Latest Driver", "LAT0000", card: null);
            // The server as EASYPARK_POSTGRES names it: pg_basebackup over a replication connection.
            (await cluster.BackupAsync(asServer: true)).Log.Should().Contain("base backup done");

            // Steady writes for three archive intervals, each acknowledged by the api after its commit.
            using var app = await driver.ClientAsync(system.Api);
            var until = DateTimeOffset.UtcNow + ArchiveTimeout * 3;
            for (var i = 1; DateTimeOffset.UtcNow < until; i++)
            {
                var plate = $"LAT{i:0000}";
                using var added = await app.PostAsJsonAsync($"api/v1/users/{driver.Id}/vehicles", new { plate, fuel = "ice", kind = "car" });
                await Driver.Expect(added, System.Net.HttpStatusCode.Created);
                acknowledged.Add((plate, DateTimeOffset.UtcNow));
            }
            lostAt = await cluster.DestroyAsync();
        }

        var restore = await cluster.RestoreAsync();
        restore.ExitCode.Should().Be(0, restore.Log);
        output.WriteLine(restore.Log);
        output.WriteLine($"restore wall time: {restore.Value("EASYPARK_RESTORE_SECONDS")} s");
        await cluster.StartAgainAsync();

        await using (var system = await DrillSystem.StartAsync(cluster.ConnectionString, stripe, withGateway: false))
        {
            using var app = await driver.ClientAsync(system.Api);
            var vehicles = await app.GetFromJsonAsync<JsonElement>($"api/v1/users/{driver.Id}/vehicles");
            var plates = vehicles.EnumerateArray().Select(v => v.GetProperty("plate").GetString()!).ToHashSet();
            var kept = acknowledged.TakeWhile(a => plates.Contains(a.Plate)).ToList();
            var lost = acknowledged.Skip(kept.Count).ToList();

            // WAL replays in commit order: what survives is everything up to a point, never a gap.
            lost.Should().NotContain(a => plates.Contains(a.Plate), "a later write cannot survive an earlier one");
            plates.Should().Contain("LAT0000", "the vehicle from before the base backup");
            kept.Should().NotBeEmpty("writes after the base backup come back from the WAL archive");
            var window = lostAt - kept[^1].At;
            output.WriteLine($"{acknowledged.Count} writes acknowledged, {kept.Count} restored, {lost.Count} lost; "
                + $"the newest restored was acknowledged {window.TotalSeconds:0.0} s before the disk was lost (archive_timeout {ArchiveTimeout.TotalSeconds} s)");
            window.Should().BeLessThan(TimeSpan.FromMinutes(15), "the recovery point objective");
            window.Should().BeLessThan(ArchiveTimeout + ArchiveLatency, "archive_timeout bounds what a lost disk can lose");
        }
    }
}
