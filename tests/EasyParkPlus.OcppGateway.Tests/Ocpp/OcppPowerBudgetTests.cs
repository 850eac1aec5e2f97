using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.OcppGateway.Ocpp;

namespace EasyParkPlus.OcppGateway.Tests.Ocpp;

// A facility with 20 chargers, all with station logins.
public sealed class PowerDatabaseFixture : GatewayDatabaseFixture
{
    protected override string Prefix => "ocpp_power";

    protected override SeedOptions Seed => new()
    {
        LevelsPerFacility = 1,
        SpacesPerFacility = 24,
        EvSpacesPerFacility = 20,
        AccessibleSpacesPerFacility = 1,
        ChargersPerFacility = 20,
    };

    // count(*) is bigint, sum() numeric: either becomes a long.
    public async Task<long> CountAsync(string sql) => Convert.ToInt64(await ScalarAsync<object>(sql), System.Globalization.CultureInfo.InvariantCulture);
}

// The facility budget: the pure split, and 20 real stations each asking for 150 kW through the internal API.
public sealed class OcppPowerBudgetTests(PowerDatabaseFixture db) : IClassFixture<PowerDatabaseFixture>
{
    private const int Budget = 400_000;

    [Fact]
    public void Allocate_TwentyTimes150kW_GetsEqual20kWShares_SmallRequestsAreCappedAndTheRestShared()
    {
        var twenty = PowerAllocation.Allocate(Budget, [.. Enumerable.Range(1, 20).Select(i => new PowerDemand($"s{i}", 150_000))]);
        Assert.All(twenty.Values, w => Assert.Equal(20_000, w));

        var mixed = PowerAllocation.Allocate(Budget, [new("small", 11_000), new("a", 150_000), new("b", 150_000), new("c", 350_000)]);
        // The small request is met; the other three share the remaining 389 kW (ties broken by session id).
        Assert.Equal((11_000, 129_666, 129_667, 129_667), (mixed["small"], mixed["a"], mixed["b"], mixed["c"]));
        Assert.Empty(PowerAllocation.Allocate(Budget, []));
    }

    [Fact]
    public void Allocate_RandomDemands_NeverAboveBudgetOrRequest_AndMaxMinFair()
    {
        var random = new Random(20261206);
        for (var round = 0; round < 500; round++)
        {
            var budget = random.Next(0, 1_000_000);
            var demands = Enumerable.Range(0, random.Next(0, 40)).Select(i => new PowerDemand($"s{i}", random.Next(1, 350_001))).ToList();
            var allocation = PowerAllocation.Allocate(budget, demands);

            Assert.True(allocation.Values.Sum(w => (long)w) <= budget);
            Assert.All(demands, d => Assert.InRange(allocation[d.SessionId], 0, d.RequestedW));
            // Whoever got less than it asked for got at least as much as anyone else, minus rounding.
            var maxGranted = allocation.Values.DefaultIfEmpty(0).Max();
            Assert.All(demands.Where(d => allocation[d.SessionId] < d.RequestedW), d => Assert.True(allocation[d.SessionId] >= maxGranted - 1));
            // No budget is left unused while someone still wants more (beyond integer rounding).
            if (demands.Exists(d => allocation[d.SessionId] < d.RequestedW))
            {
                Assert.True(budget - allocation.Values.Sum(w => (long)w) < demands.Count);
            }
        }
    }

    [Fact]
    public async Task TwentyStationsAsk150kW_PushedLimitsNeverSumAbove400kW_ReleaseRebalancesTheOthers()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        var stations = Enumerable.Range(1, 20).Select(i => EasyParkSeeder.StationId("BOS", i)).ToList();
        var limits = new Dictionary<string, int>(StringComparer.Ordinal);
        var maxSum = 0L;
        var clients = new List<StationClient>();
        var responders = new List<Task>();
        using var stop = new CancellationTokenSource();
        foreach (var stationId in stations)
        {
            var client = await host.ConnectAsync(stationId, GatewayDatabaseFixture.StationPassword);
            clients.Add(client);
            responders.Add(RespondAsync(client, stationId, limits, () => maxSum = Math.Max(maxSum, limits.Values.Sum(w => (long)w)), stop.Token));
        }

        var granted = new List<int>();
        foreach (var (stationId, index) in stations.Select((s, i) => (s, i)))
        {
            using var response = await host.Http.SendAsync(host.InternalPost("internal/v1/facilities/BOS/power/reserve",
                new { sessionId = $"session-{index:00}", stationId, evseId = 1, requestedW = 150_000 }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            granted.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("allocatedW").GetInt32());
            // An equal share, capped at the 150 kW asked for (integer watts: shares differ by at most 1 W).
            var share = Math.Min(150_000, Budget / (index + 1));
            Assert.InRange(granted[^1], share, share + 1);
            lock (limits)
            {
                Assert.True(maxSum <= Budget, $"after {index + 1} reservations the stations held {maxSum} W");
                Assert.All(stations.Take(index + 1), s => Assert.InRange(limits[s], share, share + 1));
            }
        }
        Assert.Equal(Budget, await db.CountAsync("SELECT sum(allocated_w) FROM gateway.power_allocations WHERE facility_id = 'BOS'"));

        // One session ends: its station goes to 0, the other 19 share the 400 kW.
        using (var release = await host.Http.SendAsync(host.InternalPost("internal/v1/facilities/BOS/power/release", new { sessionId = "session-00" })))
        {
            Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);
        }
        lock (limits)
        {
            Assert.Equal(0, limits[stations[0]]);
            Assert.All(stations.Skip(1), s => Assert.InRange(limits[s], Budget / 19, Budget / 19 + 1));
            Assert.InRange(limits.Values.Sum(w => (long)w), Budget - 19, Budget);
            Assert.True(maxSum <= Budget, $"the stations held {maxSum} W at some point");
        }
        Assert.Equal(19, await db.CountAsync("SELECT count(*) FROM gateway.power_allocations WHERE facility_id = 'BOS'"));

        // An offline station is refused at once and changes nothing.
        await clients[0].DisposeAsync();
        using (var offline = await host.Http.SendAsync(host.InternalPost("internal/v1/facilities/BOS/power/reserve",
            new { sessionId = "session-late", stationId = stations[0], evseId = 1, requestedW = 50_000 })))
        {
            Assert.True(offline.StatusCode is HttpStatusCode.ServiceUnavailable, $"{offline.StatusCode}");
        }
        Assert.Equal(19, await db.CountAsync("SELECT count(*) FROM gateway.power_allocations WHERE facility_id = 'BOS'"));
        lock (limits)
        {
            Assert.True(maxSum <= Budget, $"the stations held {maxSum} W at some point");
        }
        using (var invalid = await host.Http.SendAsync(host.InternalPost("internal/v1/facilities/BOS/power/reserve", new { sessionId = "x", stationId = stations[1], evseId = 1, requestedW = 0 })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        }
        using (var wrongFacility = await host.Http.SendAsync(host.InternalPost("internal/v1/facilities/PHL/power/reserve", new { sessionId = "x", stationId = stations[1], evseId = 1, requestedW = 1000 })))
        {
            Assert.Equal(HttpStatusCode.NotFound, wrongFacility.StatusCode);
        }

        await stop.CancelAsync();
        foreach (var client in clients.Skip(1))
        {
            await client.DisposeAsync();
        }
        await Task.WhenAll(responders);
    }

    [Fact]
    public async Task LimitLoweredWhileTheStationWasOffline_IsPushedOnceItIsBack()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        var stations = Enumerable.Range(1, 3).Select(i => EasyParkSeeder.StationId("PHL", i)).ToList();
        var limits = new Dictionary<string, int>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource();
        var first = await host.ConnectAsync(stations[0], GatewayDatabaseFixture.StationPassword);
        var firstResponder = RespondAsync(first, stations[0], limits, () => { }, stop.Token);
        Assert.Equal(150_000, await ReserveAsync(host, "offline-0", stations[0]));
        await first.DisposeAsync();
        await firstResponder;

        // Two more sessions start while the first station is offline: its share drops to a third of 400 kW.
        var others = new List<StationClient>();
        var responders = new List<Task>();
        foreach (var stationId in stations.Skip(1))
        {
            var client = await host.ConnectAsync(stationId, GatewayDatabaseFixture.StationPassword);
            others.Add(client);
            responders.Add(RespondAsync(client, stationId, limits, () => { }, stop.Token));
        }
        Assert.Equal(150_000, await ReserveAsync(host, "offline-1", stations[1]));
        Assert.InRange(await ReserveAsync(host, "offline-2", stations[2]), 133_333, 133_334);
        var current = await db.CountAsync("SELECT allocated_w FROM gateway.power_allocations WHERE facility_id = 'PHL' AND session_id = 'offline-0'");
        Assert.InRange(current, 133_333, 133_334);
        lock (limits)
        {
            // The offline station missed the change: it still holds 150 kW, the three together more than the budget.
            Assert.Equal(150_000, limits[stations[0]]);
        }

        // Back online: once its first message is answered, it is sent the limit the budget holds for it now.
        await using var back = await host.ConnectAsync(stations[0], GatewayDatabaseFixture.StationPassword);
        await back.ResultAsync("BootNotification", new { reason = "PowerUp", chargingStation = new { model = "M1", vendorName = "V1" } });
        var push = await back.ReceiveAsync();
        Assert.Equal((2, "SetChargingProfile"), (push[0].GetInt32(), push[2].GetString()));
        var schedule = push[3].GetProperty("chargingProfile").GetProperty("chargingSchedule")[0];
        Assert.Equal(current, schedule.GetProperty("chargingSchedulePeriod")[0].GetProperty("limit").GetInt32());
        await back.AnswerAsync(push[1].GetString()!, new { status = "Accepted" });
        // Once per connection: later messages get their answers with no further push in between.
        Assert.Equal(JsonValueKind.Object, (await back.ResultAsync("Heartbeat", new { })).ValueKind);
        Assert.Equal(JsonValueKind.Object, (await back.ResultAsync("Heartbeat", new { })).ValueKind);

        await stop.CancelAsync();
        foreach (var client in others)
        {
            await client.DisposeAsync();
        }
        await Task.WhenAll(responders);
    }

    private static async Task<int> ReserveAsync(GatewayHost host, string sessionId, string stationId)
    {
        var facility = stationId[..3];
        using var response = await host.Http.SendAsync(host.InternalPost($"internal/v1/facilities/{facility}/power/reserve",
            new { sessionId, stationId, evseId = 1, requestedW = 150_000 }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("allocatedW").GetInt32();
    }

    // Plays a station that takes every charging profile pushed to it and records the limit it now holds.
    private static Task RespondAsync(StationClient client, string stationId, Dictionary<string, int> limits, Action held, CancellationToken stop) => Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            JsonElement call;
            try
            {
                call = await client.ReceiveAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.Net.WebSockets.WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The station was disconnected (by the test).
                return;
            }
            Assert.Equal("SetChargingProfile", call[2].GetString());
            var profile = call[3].GetProperty("chargingProfile");
            var schedule = profile.GetProperty("chargingSchedule")[0];
            Assert.Equal("W", schedule.GetProperty("chargingRateUnit").GetString());
            var limit = schedule.GetProperty("chargingSchedulePeriod")[0].GetProperty("limit").GetInt32();
            lock (limits)
            {
                // The station holds its new limit from now on.
                limits[stationId] = limit;
                held();
            }
            await client.AnswerAsync(call[1].GetString()!, new { status = "Accepted" });
        }
    }, CancellationToken.None);
}
