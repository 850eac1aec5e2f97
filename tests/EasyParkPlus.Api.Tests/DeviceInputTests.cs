using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.TestSupport.Devices;

namespace EasyParkPlus.Api.Tests;

/// <summary>
/// Issue 16: what gate controllers send cannot hide another facility's cars. The whole system: the api with its
/// workflow worker, the real ocpp-gateway on its own ports, PostgreSQL, gates played over real WebSockets.
/// </summary>
public sealed class DeviceInputTests(SystemFixture system) : IClassFixture<SystemFixture>
{
    private Task<GateClient> ConnectAsync(string gateId) => GateClient.ConnectAsync(system.GateSocket(gateId), gateId, SystemFixture.GatePassword);

    // Point 3: a Boston controller sending event id 000777 first must not swallow Philadelphia's 000777.
    [Fact]
    public async Task GateEntry_SameEventIdAtBostonThenPhiladelphia_StartsTwoSessionsAndOpensBothBarriers()
    {
        await using var boston = await ConnectAsync("BOS-GATE-IN-01");
        await using var philadelphia = await ConnectAsync("PHL-GATE-IN-01");
        var now = system.Clock.GetUtcNow();

        var sessions = new List<Guid>();
        foreach (var (gate, plate) in new[] { (boston, "SYS777B"), (philadelphia, "SYS777P") })
        {
            var ack = await gate.ReportAsync("000777", "entry", plate, now);
            ack.GetProperty("duplicate").GetBoolean().Should().BeFalse();
            var open = await gate.ReceiveAsync();
            open.GetProperty("type").GetString().Should().Be("openBarrier");
            await gate.AcknowledgeAsync(open);
            sessions.Add(open.GetProperty("sessionId").GetGuid());
        }

        sessions.Distinct().Should().HaveCount(2);
        var rows = await system.RowsAsync(
            "SELECT facility_id, plate FROM parking.parking_sessions WHERE id = ANY($1) ORDER BY facility_id", sessions.ToArray());
        rows.Select(r => ((string)r["facility_id"]!, (string)r["plate"]!)).Should().Equal(("BOS", "SYS777B"), ("PHL", "SYS777P"));
    }
}
