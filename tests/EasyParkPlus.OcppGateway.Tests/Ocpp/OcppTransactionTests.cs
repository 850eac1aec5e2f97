using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.OcppGateway.Ocpp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.OcppGateway.Tests.Ocpp;

// TransactionEvents are stored before the answer, de-duplicated by (station, transaction, seqNo), and
// handed to the sink once each with energy in Wh, charging state and the station's timestamps; the
// internal command API turns start/stop/generic calls into CALLs with the documented status codes.
public sealed class OcppTransactionTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    internal static object Event(string type, int seqNo, string transactionId, DateTimeOffset at, string trigger, string? chargingState,
        decimal? energy, string unit = "Wh", bool offline = false, string? stoppedReason = null, object? evse = null, object? idToken = null) => new
        {
            eventType = type,
            timestamp = at.ToString("O"),
            triggerReason = trigger,
            seqNo,
            offline = offline ? true : (bool?)null,
            transactionInfo = new { transactionId, chargingState, stoppedReason },
            evse,
            idToken,
            meterValue = energy is null ? null : new[]
            {
                new
                {
                    timestamp = at.ToString("O"),
                    sampledValue = new object[]
                    {
                        new { value = energy, measurand = "Energy.Active.Import.Register", unitOfMeasure = new { unit } },
                        new { value = 7400, measurand = "Power.Active.Import" },
                    },
                },
            },
        };

    private static string Serialize(object payload) => JsonSerializer.Serialize(payload, OcppFraming.Json);

    [Fact]
    public async Task TransactionEvents_PersistedOnceEach_ReplayIsDeduplicated_SinkGetsEnergyStatesAndDeviceTimes()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var station = await host.ConnectAsync(GatewayDatabaseFixture.Station1);
        var t0 = GatewayHost.Start.AddMinutes(-30);
        var tx = $"tx-{Guid.NewGuid():N}"[..20];

        var started = await station.CallAsync("TransactionEvent", JsonDocument.Parse(Serialize(Event("Started", 0, tx, t0, "Authorized", "Charging", 1000m,
            evse: new { id = 1, connectorId = 1 }, idToken: new { idToken = "RFID-NEVER-SEEN", type = "ISO14443" }))).RootElement);
        Assert.Equal("Unknown", started[2].GetProperty("idTokenInfo").GetProperty("status").GetString());
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM gateway.transaction_events WHERE transaction_id = $1", tx));

        var updated = Event("Updated", 1, tx, t0.AddMinutes(20), "ChargingStateChanged", "SuspendedEV", 12.5m, unit: "kWh");
        var answer = await station.ResultAsync("TransactionEvent", updated);
        // Nothing to say about the token: an empty object, no nulls on the wire.
        Assert.Empty(answer.EnumerateObject());
        // The station replays it from its offline queue: answered again, stored and delivered once.
        await station.ResultAsync("TransactionEvent", updated);
        await station.ResultAsync("TransactionEvent", Event("Ended", 2, tx, t0.AddMinutes(45), "EVDeparted", "Idle", 12_600m, stoppedReason: "EVDisconnected"));

        Assert.Equal(3, await db.ScalarAsync<long>("SELECT count(*) FROM gateway.transaction_events WHERE transaction_id = $1", tx));
        await host.Sink.WaitForTransactionsAsync(3);
        var events = host.Sink.Transactions.Where(e => e.TransactionId == tx).ToList();
        Assert.Equal(
            [
                (TransactionEventType.Started, 0, "Charging", 1000L, t0, (string?)null),
                (TransactionEventType.Updated, 1, "SuspendedEV", 12_500L, t0.AddMinutes(20), null),
                (TransactionEventType.Ended, 2, "Idle", 12_600L, t0.AddMinutes(45), "EVDisconnected"),
            ],
            events.Select(e => (e.EventType, e.SeqNo, e.ChargingState!, e.EnergyWh!.Value, e.Timestamp, e.StoppedReason)));
        // The EVSE named at Started carries over to the events that do not repeat it.
        Assert.All(events, e => Assert.Equal((GatewayDatabaseFixture.Station1, 1), (e.StationId, e.EvseId)));
        Assert.Equal("RFID-NEVER-SEEN", events[0].IdToken);
        // What the station was told about the token travels with the event (issue 16, point 4: Unknown bills nobody).
        (events[0].IdTokenType, events[0].IdTokenStatus).Should().Be(("ISO14443", "Unknown"));
        (await db.ScalarAsync<string>("SELECT id_token_status FROM gateway.transaction_events WHERE transaction_id = $1 AND seq_no = 0", tx)).Should().Be("Unknown");
        Assert.Equal($"{GatewayDatabaseFixture.Station1}/{tx}/1", events[1].DedupeId);
        await DeliveredAsync(tx, 3);
        Assert.Equal(3, await db.ScalarAsync<long>("SELECT count(*) FROM gateway.transaction_events WHERE transaction_id = $1 AND delivered_at IS NOT NULL", tx));
    }

    [Fact]
    public async Task SinkFailure_LeavesTheEventPending_RedeliveredAfterTheRetryDelay()
    {
        var sink = new RecordingSink { ChargerFailuresLeft = 1 };
        await using var host = await GatewayHost.StartAsync(db.ConnectionString, sink);
        await using var station = await host.ConnectAsync(GatewayDatabaseFixture.Station2);
        var tx = $"tx-{Guid.NewGuid():N}"[..20];

        await station.ResultAsync("TransactionEvent", Event("Started", 0, tx, GatewayHost.Start, "CablePluggedIn", "EVConnected", null, evse: new { id = 1 }));
        await db.WaitUntilAsync("SELECT attempts = 1 FROM gateway.transaction_events WHERE transaction_id = $1", tx);
        Assert.Null(await db.ScalarAsync<DateTimeOffset?>("SELECT delivered_at FROM gateway.transaction_events WHERE transaction_id = $1", tx));
        Assert.Empty(sink.Transactions);

        // The retry comes due once the clock passes the first back-off (1 s).
        await host.AdvanceUntilAsync(() => IsDeliveredAsync(tx, 1), TimeSpan.FromMilliseconds(250));
        Assert.Equal((tx, (long?)null), (sink.Transactions.Single().TransactionId, sink.Transactions.Single().EnergyWh));
        Assert.Equal(2, await db.ScalarAsync<int>("SELECT attempts FROM gateway.transaction_events WHERE transaction_id = $1", tx));
    }

    [Fact]
    public async Task EventWaitingForARetry_HoldsBackTheLaterEventsOfItsTransaction_OtherTransactionsGoOn()
    {
        var sink = new RecordingSink { ChargerFailuresLeft = 1 };
        await using var host = await GatewayHost.StartAsync(db.ConnectionString, sink);
        await using var station = await host.ConnectAsync(GatewayDatabaseFixture.Station2);
        await using var other = await host.ConnectAsync(GatewayDatabaseFixture.Station1);
        var tx = $"tx-{Guid.NewGuid():N}"[..20];
        var otherTx = $"tx-{Guid.NewGuid():N}"[..20];

        await station.ResultAsync("TransactionEvent", Event("Started", 0, tx, GatewayHost.Start, "CablePluggedIn", "EVConnected", 0m, evse: new { id = 1 }));
        await db.WaitUntilAsync("SELECT attempts = 1 FROM gateway.transaction_events WHERE transaction_id = $1", tx);
        await station.ResultAsync("TransactionEvent", Event("Updated", 1, tx, GatewayHost.Start.AddMinutes(1), "MeterValuePeriodic", "Charging", 500m));
        await other.ResultAsync("TransactionEvent", Event("Started", 0, otherTx, GatewayHost.Start, "CablePluggedIn", "EVConnected", 0m, evse: new { id = 1 }));
        // The other transaction goes out at once (the clock stands still); the Updated waits behind the failed Started.
        await DeliveredAsync(otherTx, 1);
        Assert.All(sink.Transactions, e => Assert.Equal(otherTx, e.TransactionId));
        Assert.Equal(0, await db.ScalarAsync<long>("SELECT count(*) FROM gateway.transaction_events WHERE transaction_id = $1 AND delivered_at IS NOT NULL", tx));

        // Once the retry is due both go, in order.
        await host.AdvanceUntilAsync(() => IsDeliveredAsync(tx, 2), TimeSpan.FromMilliseconds(250));
        Assert.Equal([(TransactionEventType.Started, 0), (TransactionEventType.Updated, 1)],
            sink.Transactions.Where(e => e.TransactionId == tx).Select(e => (e.EventType, e.SeqNo)));
    }

    [Fact]
    public async Task InternalStartStop_BecomeCalls_StatusCodesForOfflineTimeoutErrorUnknownAndBadInput()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        var stationId = GatewayDatabaseFixture.Station1;

        // Offline: 503 at once.
        using (var offline = await host.Http.SendAsync(host.InternalPost($"internal/v1/stations/{stationId}/start-transaction", new { evseId = 1, idToken = "abc", remoteStartId = 7 })))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, offline.StatusCode);
        }
        await using var station = await host.ConnectAsync(stationId);

        var start = host.Http.SendAsync(host.InternalPost($"internal/v1/stations/{stationId}/start-transaction", new { evseId = 1, idToken = "cust-123", remoteStartId = 7 }));
        var call = await station.ReceiveAsync();
        Assert.Equal((2, "RequestStartTransaction"), (call[0].GetInt32(), call[2].GetString()));
        Assert.Equal(("cust-123", "Central", 7, 1), (call[3].GetProperty("idToken").GetProperty("idToken").GetString(),
            call[3].GetProperty("idToken").GetProperty("type").GetString(), call[3].GetProperty("remoteStartId").GetInt32(), call[3].GetProperty("evseId").GetInt32()));
        await station.AnswerAsync(call[1].GetString()!, new { status = "Accepted", transactionId = "tx-remote-1" });
        using (var response = await start)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(("Accepted", "tx-remote-1"), (body.GetProperty("status").GetString(), body.GetProperty("transactionId").GetString()));
        }

        // The station refuses with a CALLERROR: 409.
        var stop = host.Http.SendAsync(host.InternalPost($"internal/v1/stations/{stationId}/stop-transaction", new { transactionId = "tx-remote-1" }));
        var stopCall = await station.ReceiveAsync();
        Assert.Equal("RequestStopTransaction", stopCall[2].GetString());
        await station.SendTextAsync(JsonSerializer.Serialize(new object[] { 4, stopCall[1].GetString()!, "InternalError", "relay stuck", new { } }));
        using (var refused = await stop)
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("relay stuck", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // No answer within Ocpp:CallTimeout (virtual clock): 504.
        var timeout = host.Services.GetRequiredService<IOptions<OcppOptions>>().Value.CallTimeout;
        var silent = host.Http.SendAsync(host.InternalPost($"internal/v1/stations/{stationId}/stop-transaction", new { transactionId = "tx-remote-1" }));
        var ignored = await station.ReceiveAsync();
        Assert.Equal("RequestStopTransaction", ignored[2].GetString());
        host.Clock.Advance(timeout);
        using (var timedOut = await silent)
        {
            Assert.Equal(HttpStatusCode.GatewayTimeout, timedOut.StatusCode);
        }
        // A late answer to the timed-out CALL is ignored; the next CALL works.
        await station.AnswerAsync(ignored[1].GetString()!, new { status = "Accepted" });

        var reset = host.Http.SendAsync(host.InternalPost($"internal/v1/stations/{stationId}/calls/Reset", new { type = "OnIdle" }));
        var resetCall = await station.ReceiveAsync();
        Assert.Equal(("Reset", "OnIdle"), (resetCall[2].GetString(), resetCall[3].GetProperty("type").GetString()));
        await station.AnswerAsync(resetCall[1].GetString()!, new { status = "Scheduled" });
        using (var resetResponse = await reset)
        {
            Assert.Equal(HttpStatusCode.OK, resetResponse.StatusCode);
            Assert.Equal("Scheduled", (await resetResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        foreach (var (path, body, key, expected) in new (string, object, string?, HttpStatusCode)[]
        {
            ("internal/v1/stations/NO-SUCH/start-transaction", new { evseId = 1, idToken = "a", remoteStartId = 1 }, GatewayHost.InternalKey, HttpStatusCode.NotFound),
            ($"internal/v1/stations/{stationId}/start-transaction", new { evseId = 0, idToken = "a", remoteStartId = 1 }, GatewayHost.InternalKey, HttpStatusCode.BadRequest),
            ($"internal/v1/stations/{stationId}/start-transaction", new { evseId = 1, remoteStartId = 1 }, GatewayHost.InternalKey, HttpStatusCode.BadRequest),
            ($"internal/v1/stations/{stationId}/stop-transaction", new { }, GatewayHost.InternalKey, HttpStatusCode.BadRequest),
            ($"internal/v1/stations/{stationId}/calls/UpdateFirmware", new { }, GatewayHost.InternalKey, HttpStatusCode.NotFound),
            ($"internal/v1/stations/{stationId}/start-transaction", new { evseId = 1, idToken = "a", remoteStartId = 1 }, null, HttpStatusCode.Unauthorized),
            ($"internal/v1/stations/{stationId}/start-transaction", new { evseId = 1, idToken = "a", remoteStartId = 1 }, "wrong-key-0123456789", HttpStatusCode.Unauthorized),
        })
        {
            using var response = await host.Http.SendAsync(host.InternalPost(path, body, key));
            Assert.True(expected == response.StatusCode, $"{path} with key {key}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    // Waits until `count` events of the transaction are delivered and marked so in the table.
    private Task DeliveredAsync(string transactionId, int count) => db.WaitUntilAsync(
        "SELECT count(*) >= $2 FROM gateway.transaction_events WHERE transaction_id = $1 AND delivered_at IS NOT NULL", transactionId, count);

    private async Task<bool> IsDeliveredAsync(string transactionId, int count) => await db.ScalarAsync<long>(
        "SELECT count(*) FROM gateway.transaction_events WHERE transaction_id = $1 AND delivered_at IS NOT NULL", transactionId) >= count;
}
