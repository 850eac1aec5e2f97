using System.Text.Json;
using EasyParkPlus.OcppGateway.Devices;

namespace EasyParkPlus.OcppGateway.Tests.Ocpp;

// A charging station nobody on the team wrote: ocpp-rpc (npm) in strict mode, driven by node/station.js, so every
// answer and CALL of the gateway is also validated against the official OCPP 2.0.1 schemas on the station's side.
public sealed class OcppRpcStationTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    [Fact]
    public async Task FullTransaction_WithDisconnectAndReplay_PersistedOnceAndHandedToSinkInOrder()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        var station = GatewayDatabaseFixture.Station1;

        var (exitCode, lines, errors) = await NodeScript.RunAsync("station.js",
            host.OcppEndpoint.ToString(), station, GatewayDatabaseFixture.StationPassword, GatewayDatabaseFixture.CustomerId.ToString());
        var steps = lines.ToDictionary(l => l.GetProperty("step").GetString()!, l => l);
        Assert.True(exitCode == 0, $"station.js failed ({exitCode}): {string.Join('\n', lines)}\n{errors}");

        Assert.True(steps["wrongPassword"].GetProperty("refused").GetBoolean());
        Assert.Equal("ocpp2.0.1", steps["connected"].GetProperty("protocol").GetString());
        Assert.Equal("Accepted", steps["boot"].GetProperty("status").GetString());
        Assert.True(steps["boot"].GetProperty("interval").GetInt32() > 0);
        Assert.Equal(GatewayHost.Start, steps["heartbeat"].GetProperty("currentTime").GetDateTimeOffset());
        Assert.Equal("Accepted", steps["authorize"].GetProperty("idTokenInfo").GetProperty("status").GetString());
        Assert.NotEqual("Accepted", steps["authorizeUnknown"].GetProperty("idTokenInfo").GetProperty("status").GetString());

        // Boot info persisted on the charger.
        var charger = (await db.RowsAsync("SELECT vendor, model, firmware_version, serial_number FROM charging.chargers WHERE station_id = $1", station)).Single();
        Assert.Equal(["EasyParkTest", "EP-Node-150", "1.2.3", "SN-NODE-1"], charger);

        // Every TransactionEvent once, although seqNo 1 and 2 were replayed after the reconnect.
        var stored = await db.RowsAsync(
            "SELECT seq_no, event_type, charging_state, energy_wh, device_time FROM gateway.transaction_events WHERE station_id = $1 AND transaction_id = 'TX-NODE-1' ORDER BY seq_no",
            station);
        Assert.Equal([0, 1, 2, 3, 4], stored.Select(r => (int)r[0]!));
        Assert.Equal(["Started", "Updated", "Updated", "Updated", "Ended"], stored.Select(r => (string)r[1]!));
        Assert.Equal([0L, 5000L, 12000L, 12000L, 12500L], stored.Select(r => (long)r[3]!));

        // The sink got each event exactly once, in seqNo order, with device time, energy and charging state.
        await host.Sink.WaitUntilAsync(s => s.Transactions.Count(t => t.TransactionId == "TX-NODE-1") >= 5);
        var events = host.Sink.Transactions.Where(t => t.TransactionId == "TX-NODE-1").ToList();
        Assert.Equal([0, 1, 2, 3, 4], events.Select(e => e.SeqNo));
        Assert.Equal(events.Count, events.Select(e => e.DedupeId).Distinct().Count());
        Assert.Equal([TransactionEventType.Started, TransactionEventType.Updated, TransactionEventType.Updated, TransactionEventType.Updated, TransactionEventType.Ended],
            events.Select(e => e.EventType));
        Assert.Equal(["Charging", "Charging", "SuspendedEV", "EVConnected", "Idle"], events.Select(e => e.ChargingState));
        Assert.Equal([0L, 5000L, 12000L, 12000L, 12500L], events.Select(e => e.EnergyWh));
        var t0 = GatewayHost.Start;
        Assert.Equal([t0.AddSeconds(10), t0.AddSeconds(600), t0.AddSeconds(1200), t0.AddSeconds(1500), t0.AddSeconds(1800)], events.Select(e => e.Timestamp));
        Assert.Equal(GatewayDatabaseFixture.CustomerId.ToString(), events[0].IdToken);
        Assert.Equal("EVDisconnected", events[^1].StoppedReason);
        Assert.All(events, e => Assert.Equal((1, (int?)1), (e.EvseId, e.ConnectorId)));
        Assert.Equal($"{station}/TX-NODE-1/4", events[^1].DedupeId);

        // Connector state is live for the api: the last StatusNotification is persisted.
        var status = (await db.RowsAsync("SELECT status FROM gateway.connector_status WHERE station_id = $1 AND evse_id = 1 AND connector_id = 1", station)).Single();
        Assert.Equal("Available", status[0]);
        await host.Sink.WaitUntilAsync(s => s.Statuses.Count(c => c.StationId == station) >= 2);
        Assert.Equal(["Occupied", "Available"], host.Sink.Statuses.Where(c => c.StationId == station).Select(c => c.Status));

        // Whatever the gateway pushed to the station passed ocpp-rpc's strict schema check (else the call failed).
        Assert.Equal(JsonValueKind.Array, steps["done"].GetProperty("received").ValueKind);
    }
}
