using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.Data.Seeding;

namespace EasyParkPlus.Api.Tests;

/// <summary>
/// The whole system: the api with its workflow worker, the real ocpp-gateway, PostgreSQL, the Stripe stand-in, and a
/// charging station played by ocpp-rpc (npm, strict mode) through node/charging-session.js. The station connects,
/// boots, starts a transaction (from the app or at the charger), reports meter values and charging-state changes,
/// loses its connection mid-transaction, replays its queue (one event twice) and ends; the ChargingSession workflow
/// that the gateway's events drive bills it, and the test checks the bill at Stripe, in PostgreSQL and in the result.
/// Tariff (DESIGN.md): $2.00 session fee + $0.35/kWh (energy rounded half-up to the cent once) + $0.50 per started
/// idle minute beyond a 5-minute grace; SuspendedEVSE is never idle.
/// </summary>
public sealed class SystemChargingTests(SystemFixture system) : IClassFixture<SystemFixture>
{
    private async Task<(HttpClient Driver, Guid CustomerId)> DriverWithCardAsync(string name)
    {
        var (driver, _) = await system.NewDriverAsync(name);
        var me = (await driver.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();
        using var card = await driver.PostAsJsonAsync($"api/v1/users/{me}/payment-methods", new { paymentMethodId = "pm_card_visa" });
        Assert.Equal(HttpStatusCode.Created, card.StatusCode);
        return (driver, me);
    }

    [Fact]
    public async Task StartedAtTheCharger_WithRfidCard_OfflineReplay_IdleTime_BilledToTheSavedCard()
    {
        // Station times (seconds after the start) and EVSE register readings, from charging-session.js "charger":
        //   0     Started        Charging       1,250,000 Wh  (the EVSE's lifetime register, not 0)
        //   600   Updated        Charging       1,260,000
        //   -- connection lost; replayed after reconnecting: --
        //   1200  Updated        SuspendedEVSE  1,265,000     (our power limit: never idle)
        //   600   Updated (seqNo 1 again, a duplicate)
        //   1500  Updated        Charging       1,265,000
        //   2400  Updated        SuspendedEV    1,270,000     (battery full: the idle clock starts)
        //   2700  Updated        EVConnected    1,270,000     (still idle: the session has charged)
        //   3090  Ended          EVDeparted     1,270,000
        // Energy 1,270,000 − 1,250,000 = 20,000 Wh = 20 kWh × $0.35 = $7.00.
        // Idle 2400 → 3090 = 690 s = 11 min 30 s; beyond the 5-minute grace 6 min 30 s → 7 started minutes × $0.50 = $3.50.
        // Bill: $2.00 + $7.00 + $3.50 = $12.50. No app, so no hold: the whole amount goes to the card of the RFID's owner.
        const long expectedTotal = 200 + 700 + 350;
        var (driver, customerId) = await DriverWithCardAsync("RFID Driver");
        using var _ = driver;
        using var ops = await system.OperatorClientAsync();
        const string rfid = "04A1B2C3D4E5F6";
        await system.ExecuteAsync("INSERT INTO gateway.id_tokens (id_token, customer_id) VALUES ($1, $2)", rfid, customerId);
        var stationId = EasyParkSeeder.StationId("BOS", 1);
        var intentsBefore = (await system.Stripe.GetPaymentIntentsAsync()).Select(pi => pi.Id).ToHashSet();

        await using var station = StationScript.Launch(system, "charger", stationId, rfid, "ISO14443");
        Assert.Equal("ocpp2.0.1", (await station.NextAsync("connected")).GetProperty("protocol").GetString());
        Assert.Equal("Accepted", (await station.NextAsync("boot")).GetProperty("status").GetString());
        await station.NextAsync("plugged");
        await station.NextAsync("ready");
        await station.ContinueAtAsync(0);
        Assert.Equal("Accepted", (await station.NextAsync("authorize")).GetProperty("idTokenInfo").GetProperty("status").GetString());
        Assert.Equal("Accepted", (await station.NextAsync("started")).GetProperty("idTokenInfo").GetProperty("status").GetString());
        var transactionId = (await station.NextAsync("charging")).GetProperty("transactionId").GetString()!;

        // The gateway started a ChargingSession for the transaction (signal-with-start); it holds power and charges.
        var workflowId = await SystemWaits.RunningChargingSessionAsync(ops, "BOS", stationId);
        var charging = await SystemWaits.WorkflowStateAsync(ops, workflowId, s => s.GetProperty("state").GetString() == "charging");
        Assert.Equal(transactionId, charging.GetProperty("transactionId").GetString());
        Assert.Equal(150_000, charging.GetProperty("allocatedW").GetInt32());
        Assert.Equal(0, charging.GetProperty("holdCents").GetInt64());
        // The session is visible to the api's readers (chargers in use, console, utilisation) while it runs.
        var active = Assert.Single(await system.RowsOnceAnyAsync("SELECT status, transaction_id, customer_id, started_device_at, meter_start_wh FROM charging.charging_sessions WHERE workflow_id = $1", workflowId));
        Assert.Equal(("active", transactionId, (object?)customerId, (object?)station.Start, (object?)1_250_000L),
            ((string)active["status"]!, (string)active["transaction_id"]!, active["customer_id"], active["started_device_at"], active["meter_start_wh"]));
        // The driver sees the session the charger started on their card.
        var own = await driver.GetFromJsonAsync<JsonElement>($"api/v1/charging/sessions/{workflowId["charging-".Length..]}");
        Assert.Equal("charging", own.GetProperty("state").GetProperty("state").GetString());

        await station.ContinueAtAsync(600);
        await station.NextAsync("meterValues");
        await station.NextAsync("updated1");
        await station.NextAsync("offline");
        await station.ContinueAtAsync(1500);
        await station.NextAsync("reconnected");
        await station.NextAsync("replay2");
        await station.NextAsync("replay1again");
        await station.NextAsync("replay3");
        await station.NextAsync("replayed");
        await SystemWaits.WorkflowStateAsync(ops, workflowId, s => s.GetProperty("energyWh").GetInt64() == 15_000);
        await station.ContinueAtAsync(2700);
        await station.NextAsync("updated4");
        await station.NextAsync("updated5");
        await station.NextAsync("idle");
        // Live idle time so far, measured from device times up to the last event (2400 → 2700).
        var idle = await SystemWaits.WorkflowStateAsync(ops, workflowId, s => s.GetProperty("chargingState").GetString() == "EVConnected");
        Assert.Equal(300, idle.GetProperty("idleSeconds").GetInt64());
        await station.ContinueAtAsync(3090);
        await station.NextAsync("ended");
        await station.NextAsync("unplugged");
        await station.NextAsync("endedSent");

        var result = await SystemWaits.ResultAsync(system, workflowId);
        await station.ContinueAtAsync(3100);
        var done = await station.NextAsync("done");
        Assert.Equal(0, await station.Node.ExitAsync());

        Assert.Equal("Completed", result.GetProperty("outcome").GetString());
        Assert.Equal(transactionId, result.GetProperty("transactionId").GetString());
        Assert.Equal(20_000, result.GetProperty("energyWh").GetInt64());
        Assert.Equal(7, result.GetProperty("idleMinutesBilled").GetInt64());
        Assert.Equal(expectedTotal, result.GetProperty("totalCents").GetInt64());
        Assert.Equal(0, result.GetProperty("capturedCents").GetInt64());
        Assert.Equal(expectedTotal, result.GetProperty("remainderChargedCents").GetInt64());
        Assert.Equal(0, result.GetProperty("owedCents").GetInt64());

        // The invoice, line by line, as the driver reads it, and its receipt.
        var invoiceId = result.GetProperty("invoiceId").GetGuid();
        var invoice = await driver.GetFromJsonAsync<JsonElement>($"api/v1/invoices/{invoiceId}");
        Assert.Equal(("charging", "paid", expectedTotal), (invoice.GetProperty("kind").GetString(), invoice.GetProperty("status").GetString(), invoice.GetProperty("totalCents").GetInt64()));
        Assert.Equal(
            [("CHARGING_SESSION_FEE", 1m, 200L, 200L), ("CHARGING_ENERGY", 20m, 35L, 700L), ("CHARGING_IDLE", 7m, 50L, 350L)],
            invoice.GetProperty("lines").EnumerateArray().Select(l => (l.GetProperty("code").GetString(), l.GetProperty("quantity").GetDecimal(),
                l.GetProperty("unitPriceCents").GetInt64(), l.GetProperty("amountCents").GetInt64())));
        var receipt = await driver.GetFromJsonAsync<JsonElement>($"api/v1/invoices/{invoiceId}/receipt");
        Assert.Equal(expectedTotal, receipt.GetProperty("totalCents").GetInt64());

        // Stripe: one off-session charge of the whole amount on the saved card, no hold.
        var intent = Assert.Single(await system.Stripe.GetPaymentIntentsAsync(), pi => !intentsBefore.Contains(pi.Id));
        Assert.Equal(("succeeded", expectedTotal, expectedTotal), (intent.Status, intent.Amount, intent.AmountReceived));
        Assert.NotEqual("manual", intent.CaptureMethod);
        Assert.Equal(workflowId, intent.Metadata["workflow_id"]);

        // PostgreSQL: the session row closed with the priced parts; every device event stored once and delivered.
        var row = Assert.Single(await system.RowsAsync("SELECT * FROM charging.charging_sessions WHERE workflow_id = $1", workflowId));
        Assert.Equal("completed", row["status"]);
        Assert.Equal(station.Start.AddSeconds(3090), row["ended_device_at"]);
        Assert.Equal((1_250_000L, 1_270_000L, 20_000L), ((long)row["meter_start_wh"]!, (long)row["meter_stop_wh"]!, (long)row["energy_wh"]!));
        Assert.Equal((690L, 7L), ((long)row["idle_seconds"]!, (long)row["billed_idle_minutes"]!));
        Assert.Equal((200L, 700L, 350L, expectedTotal), ((long)row["session_fee_cents"]!, (long)row["energy_charge_cents"]!, (long)row["idle_fee_cents"]!, (long)row["total_cents"]!));
        Assert.Equal("EVDisconnected", row["stop_reason"]);
        var events = await system.RowsAsync(
            "SELECT seq_no, delivered_at FROM gateway.transaction_events WHERE station_id = $1 AND transaction_id = $2 ORDER BY seq_no", stationId, transactionId);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], events.Select(e => (int)e["seq_no"]!));
        Assert.All(events, e => Assert.NotNull(e["delivered_at"]));

        // The gateway's power limits reached the station, schema-checked by ocpp-rpc: 150 kW for the transaction, 0 after.
        var profiles = done.GetProperty("received").EnumerateArray().Where(c => c.GetProperty("action").GetString() == "SetChargingProfile")
            .Select(c => c.GetProperty("params").GetProperty("chargingProfile")).ToList();
        Assert.Contains(profiles, p => p.TryGetProperty("transactionId", out var tx) && tx.GetString() == transactionId
            && p.GetProperty("chargingSchedule")[0].GetProperty("chargingSchedulePeriod")[0].GetProperty("limit").GetDecimal() == 150_000m);
        Assert.Equal(0m, profiles[^1].GetProperty("chargingSchedule")[0].GetProperty("chargingSchedulePeriod")[0].GetProperty("limit").GetDecimal());
    }

    [Fact]
    public async Task StartedFromTheApp_RemoteStartAndStop_OfflineReplay_HoldCapturedForTheBill()
    {
        // charging-session.js "app": the register goes 3,400,000 → 3,412,300 Wh = 12,300 Wh; 12.3 kWh × $0.35 = $4.305,
        // rounded half-up once to $4.31. SuspendedEVSE 1200 → 1500 s is our own limit (never idle); SuspendedEV 1800 → 2040 s
        // is 4 minutes of idle time, inside the 5-minute grace, so no idle fee. Bill: $2.00 + $4.31 = $6.31, captured from
        // the $50.00 hold the session placed before asking the charger to start.
        const long expectedTotal = 200 + 431;
        var (driver, customerId) = await DriverWithCardAsync("App Driver");
        using var _ = driver;
        using var ops = await system.OperatorClientAsync();
        var stationId = EasyParkSeeder.StationId("BOS", 2);
        var intentsBefore = (await system.Stripe.GetPaymentIntentsAsync()).Select(pi => pi.Id).ToHashSet();
        string? transactionId = null;

        var (sessionId, result, done) = await StationScript.ChargeFromTheAppAsync(system, driver, "BOS", stationId, async (checkpoint, id, station) =>
        {
            var workflowId = $"charging-{id}";
            if (checkpoint == "charging")
            {
                // The hold is in place, power reserved, and the station's transaction reached the session the app started.
                var state = await SystemWaits.WorkflowStateAsync(ops, workflowId, s => s.GetProperty("state").GetString() == "charging");
                Assert.Equal((5000L, 150_000), (state.GetProperty("holdCents").GetInt64(), state.GetProperty("allocatedW").GetInt32()));
                transactionId = state.GetProperty("transactionId").GetString();
                var remoteStart = station.Node.Seen.Single(l => l.GetProperty("step").GetString() == "remoteStart").GetProperty("request");
                Assert.Equal((1, customerId.ToString(), "Central"), (remoteStart.GetProperty("evseId").GetInt32(),
                    remoteStart.GetProperty("idToken").GetProperty("idToken").GetString(), remoteStart.GetProperty("idToken").GetProperty("type").GetString()));
                // The station's Started carries the remoteStartId it was given, and the gateway kept it.
                var stored = Assert.Single(await system.RowsAsync(
                    "SELECT remote_start_id FROM gateway.transaction_events WHERE station_id = $1 AND transaction_id = $2 AND seq_no = 0", stationId, transactionId!));
                Assert.Equal(remoteStart.GetProperty("remoteStartId").GetInt32(), stored["remote_start_id"]);
                var row = Assert.Single(await system.RowsOnceAnyAsync("SELECT status, customer_id, meter_start_wh FROM charging.charging_sessions WHERE workflow_id = $1", workflowId));
                Assert.Equal(("active", (object?)customerId, (object?)3_400_000L), ((string)row["status"]!, row["customer_id"], row["meter_start_wh"]));
                // The chargers list shows the EVSE in use.
                var chargers = await driver.GetFromJsonAsync<JsonElement>("api/v1/facilities/BOS/chargers");
                var evse = chargers.EnumerateArray().Single(c => c.GetProperty("stationId").GetString() == stationId).GetProperty("evses")[0];
                Assert.True(evse.GetProperty("charging").GetBoolean());
            }
            else if (checkpoint == "offline")
            {
                // While the station is away the session keeps charging; nothing is billed.
                var state = await SystemWaits.WorkflowStateAsync(ops, workflowId, s => s.GetProperty("energyWh").GetInt64() == 5_000);
                Assert.Equal("charging", state.GetProperty("state").GetString());
            }
        });

        Assert.Equal("Completed", result.GetProperty("outcome").GetString());
        Assert.Equal(transactionId, result.GetProperty("transactionId").GetString());
        Assert.Equal((12_300L, 0L, expectedTotal, expectedTotal, 0L, 0L), (result.GetProperty("energyWh").GetInt64(), result.GetProperty("idleMinutesBilled").GetInt64(),
            result.GetProperty("totalCents").GetInt64(), result.GetProperty("capturedCents").GetInt64(), result.GetProperty("remainderChargedCents").GetInt64(),
            result.GetProperty("owedCents").GetInt64()));
        var stopRequest = done.GetProperty("received").EnumerateArray().Single(c => c.GetProperty("action").GetString() == "RequestStopTransaction");
        Assert.Equal(transactionId, stopRequest.GetProperty("params").GetProperty("transactionId").GetString());

        // The driver's view: session closed with its result, the invoice line by line, the receipt.
        var session = await driver.GetFromJsonAsync<JsonElement>($"api/v1/charging/sessions/{sessionId}");
        Assert.Equal(("Completed", "completed"), (session.GetProperty("workflowStatus").GetString(), session.GetProperty("state").GetProperty("state").GetString()));
        var invoiceId = result.GetProperty("invoiceId").GetGuid();
        var invoice = await driver.GetFromJsonAsync<JsonElement>($"api/v1/invoices/{invoiceId}");
        Assert.Equal(("paid", expectedTotal), (invoice.GetProperty("status").GetString(), invoice.GetProperty("totalCents").GetInt64()));
        Assert.Equal([("CHARGING_SESSION_FEE", 1m, 200L), ("CHARGING_ENERGY", 12.3m, 431L)],
            invoice.GetProperty("lines").EnumerateArray().Select(l => (l.GetProperty("code").GetString(), l.GetProperty("quantity").GetDecimal(), l.GetProperty("amountCents").GetInt64())));
        Assert.Equal(expectedTotal, (await driver.GetFromJsonAsync<JsonElement>($"api/v1/invoices/{invoiceId}/receipt")).GetProperty("totalCents").GetInt64());

        // Stripe: one manual-capture hold of $50.00, captured for exactly the bill.
        var hold = Assert.Single(await system.Stripe.GetPaymentIntentsAsync(), pi => !intentsBefore.Contains(pi.Id));
        Assert.Equal(("manual", "succeeded", 5000L, expectedTotal), (hold.CaptureMethod, hold.Status, hold.Amount, hold.AmountReceived));

        var closed = Assert.Single(await system.RowsAsync("SELECT * FROM charging.charging_sessions WHERE workflow_id = $1", $"charging-{sessionId}"));
        Assert.Equal(("completed", "Remote", 12_300L, 240L, 0L, expectedTotal), ((string)closed["status"]!, (string?)closed["stop_reason"],
            (long)closed["energy_wh"]!, (long)closed["idle_seconds"]!, (long)closed["billed_idle_minutes"]!, (long)closed["total_cents"]!));
    }
}
