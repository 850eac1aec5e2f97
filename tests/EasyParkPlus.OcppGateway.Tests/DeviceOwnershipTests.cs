using System.Net.Http.Json;
using System.Text.Json;
using static EasyParkPlus.OcppGateway.Tests.GatewayDatabaseFixture;

namespace EasyParkPlus.OcppGateway.Tests;

// One ownership claim for stations and gates (gateway.device_owners): the holding instance renews its claims while it
// runs, and a claim its instance stopped renewing counts as none, so a dead instance's devices read as offline.
public sealed class DeviceOwnershipTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task LiveState_StationClaimedByAnInstanceThatStoppedRenewing_IsOffline_ARenewedOneOnline()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        // Another instance renewed its claim on station 1 just now; a dead one last renewed station 2's two leases ago.
        await db.ExecuteAsync("""
            INSERT INTO gateway.device_owners (kind, device_id, instance_id, internal_url, claimed_at)
            VALUES ('station', $1, 'live-instance', 'http://127.0.0.1:9/', $3), ('station', $2, 'dead-instance', 'http://127.0.0.1:9/', $4)
            ON CONFLICT (kind, device_id) DO UPDATE SET instance_id = excluded.instance_id, claimed_at = excluded.claimed_at
            """, Station1, Station2, GatewayHost.Start, GatewayHost.Start - 2 * Lease);

        var online = await OnlineAsync(host, Station1, Station2);

        online.Should().Equal(true, false);
    }

    [Fact]
    public async Task Claims_OfAConnectedStationAndGate_AreRenewedByTheirInstance_AcrossManyLeases()
    {
        await using var holder = await GatewayHost.StartAsync(db.ConnectionString);
        await using var other = await GatewayHost.StartAsync(db.ConnectionString, clock: holder.Clock);
        await using var station = await holder.ConnectAsync(Station1);
        await using var gate = await holder.ConnectGateAsync(EntryGate);
        await db.WaitUntilAsync("SELECT count(*) = 2 FROM gateway.device_owners WHERE device_id IN ($1, $2)", Station1, EntryGate);

        // Three leases pass; both claims are renewed by the same heartbeat, so the other instance still sees them live.
        var later = GatewayHost.Start + 3 * Lease;
        await holder.AdvanceUntilAsync(() => db.ScalarAsync<bool>(
            "SELECT count(*) = 2 FROM gateway.device_owners WHERE device_id IN ($1, $2) AND claimed_at >= $3", Station1, EntryGate, later),
            TimeSpan.FromSeconds(10));

        (await OnlineAsync(other, Station1)).Should().Equal(true);
        (await db.ScalarAsync<long>("SELECT count(DISTINCT instance_id) FROM gateway.device_owners WHERE device_id IN ($1, $2)", Station1, EntryGate))
            .Should().Be(1);
    }

    private static async Task<bool[]> OnlineAsync(GatewayHost host, params string[] stationIds)
    {
        using var response = await host.Http.SendAsync(host.InternalPost("internal/v1/chargers/live-state", new { stationIds }));
        response.EnsureSuccessStatusCode();
        var live = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. stationIds.Select(id => live.GetProperty("stations").EnumerateArray()
            .Single(s => s.GetProperty("stationId").GetString() == id).GetProperty("online").GetBoolean())];
    }
}
