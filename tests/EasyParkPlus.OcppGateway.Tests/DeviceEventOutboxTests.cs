using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.OcppGateway.Tests.Ocpp;
using static EasyParkPlus.OcppGateway.Tests.GatewayDatabaseFixture;

namespace EasyParkPlus.OcppGateway.Tests;

// The gateway's one outbox, over real gate and station sockets: gate events keyed by vehicle and facility, charger
// transaction events by transaction; keys go on in parallel, each key's events in arrival order, and a delivery waiting
// for its retry holds back only its own key, whichever kind it is.
public sealed class DeviceEventOutboxTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    [Fact]
    public async Task Deliver_GateAndChargerEventsWithFailedDeliveries_ARetryHoldsBackOnlyItsOwnKey_EachKeyInOrder()
    {
        var sink = new RecordingSink();
        await using var host = await GatewayHost.StartAsync(db.ConnectionString, sink);
        await using var entryGate = await host.ConnectGateAsync(EntryGate);
        await using var exitGate = await host.ConnectGateAsync(ExitGate);
        await using var stationA = await host.ConnectAsync(Station1);
        await using var stationB = await host.ConnectAsync(Station2);
        var run = Random.Shared.Next(10_000, 99_999);
        var (plateA, plateB) = ($"QA{run}", $"QB{run}");
        var (entryA, exitA, entryB) = ($"in-a-{run}", $"out-a-{run}", $"in-b-{run}");
        var (txA, txB) = ($"tx-a-{run}", $"tx-b-{run}");
        sink.FailuresLeft[entryA] = 1;
        sink.FailuresLeft[$"{Station1}/{txA}/0"] = 1;

        // Car A's entry and transaction A's start: their first deliveries fail.
        await entryGate.ReportAsync(entryA, "entry", plateA, GatewayHost.Start.AddMinutes(-10));
        await stationA.ResultAsync("TransactionEvent", OcppTransactionTests.Event("Started", 0, txA, GatewayHost.Start, "CablePluggedIn", "EVConnected", 0m, evse: new { id = 1 }));
        await db.WaitUntilAsync("""
            SELECT (SELECT attempts FROM gates.events WHERE event_id = $1) = 1
               AND (SELECT attempts FROM gateway.transaction_events WHERE transaction_id = $2 AND seq_no = 0) = 1
            """, entryA, txA);
        // Then car A leaves and transaction A charges; car B enters and transaction B starts.
        await exitGate.ReportAsync(exitA, "exit", plateA, GatewayHost.Start.AddMinutes(-1));
        await stationA.ResultAsync("TransactionEvent", OcppTransactionTests.Event("Updated", 1, txA, GatewayHost.Start.AddMinutes(1), "MeterValuePeriodic", "Charging", 500m));
        await entryGate.ReportAsync(entryB, "entry", plateB, GatewayHost.Start.AddMinutes(-5));
        await stationB.ResultAsync("TransactionEvent", OcppTransactionTests.Event("Started", 0, txB, GatewayHost.Start, "CablePluggedIn", "EVConnected", 0m, evse: new { id = 1 }));

        // B's events go out while the clock stands still; A's later events wait behind their failed heads.
        await sink.WaitUntilAsync(s => s.GateEvents.Any(e => e.EventId == entryB) && s.Transactions.Any(e => e.TransactionId == txB));
        sink.GateEvents.Select(e => e.EventId).Should().Equal(entryB);
        sink.Transactions.Select(e => e.TransactionId).Should().Equal(txB);
        (await db.ScalarAsync<bool>("SELECT delivered_at IS NULL AND attempts = 0 FROM gates.events WHERE event_id = $1", exitA)).Should().BeTrue();
        (await db.ScalarAsync<bool>("SELECT delivered_at IS NULL AND attempts = 0 FROM gateway.transaction_events WHERE transaction_id = $1 AND seq_no = 1", txA))
            .Should().BeTrue();

        // When the retries come due, each key's events go in the order they arrived.
        await host.AdvanceUntilAsync(() => Task.FromResult(sink.GateEvents.Count == 3 && sink.Transactions.Count == 3), TimeSpan.FromMilliseconds(250));
        sink.GateEvents.Where(e => e.Plate == plateA).Select(e => (e.EventId, e.Direction))
            .Should().Equal((entryA, GateEventDirection.Entry), (exitA, GateEventDirection.Exit));
        sink.Transactions.Where(e => e.TransactionId == txA).Select(e => e.SeqNo).Should().Equal(0, 1);
        sink.FailedCalls.Should().Be(2);
    }
}
