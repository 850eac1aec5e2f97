using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
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

    // Point 1: the attack that charged $10,955 to a saved card. An entry dated a year back, then an exit two hours
    // later: the stay is timed from the entry's arrival, operators are alerted, and nothing is charged until one approves.
    [Fact]
    public async Task GateEntryAYearBack_ThenExit_NothingChargedUntilAnOperatorApprovesTheArrivalBasedAmount()
    {
        var (driver, _) = await system.NewDriverAsync("Clock Victim");
        using var _ = driver;
        var me = (await driver.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();
        (await driver.PostAsJsonAsync($"api/v1/users/{me}/vehicles", new { plate = "CLK 365", fuel = "ice", kind = "car" })).EnsureSuccessStatusCode();
        (await driver.PostAsJsonAsync($"api/v1/users/{me}/payment-methods", new { paymentMethodId = "pm_card_visa" })).EnsureSuccessStatusCode();
        var intentsBefore = (await system.Stripe.GetPaymentIntentsAsync()).Count;
        await using var entryGate = await ConnectAsync("BOS-GATE-IN-01");
        await using var exitGate = await ConnectAsync("BOS-GATE-OUT-01");
        var arrival = system.Clock.GetUtcNow();

        (await entryGate.ReportAsync("clk-entry-1", "entry", "CLK365", arrival.AddDays(-365))).GetProperty("type").GetString().Should().Be("ack");
        var open = await entryGate.ReceiveAsync();
        await entryGate.AcknowledgeAsync(open);
        var workflowId = $"parking-{open.GetProperty("sessionId").GetGuid()}";
        system.AdvanceTo(arrival.AddHours(2));
        (await exitGate.ReportAsync("clk-exit-1", "exit", "CLK365", system.Clock.GetUtcNow())).GetProperty("type").GetString().Should().Be("ack");

        using var ops = await system.OperatorClientAsync();
        var held = await WaitForStateAsync(ops, workflowId, "AwaitingReview");
        held.GetProperty("amountDueCents").GetInt64().Should().Be(600);
        (await system.Stripe.GetPaymentIntentsAsync()).Should().HaveCount(intentsBefore, "nothing is charged while the stay waits for review");
        var alerts = await ops.GetFromJsonAsync<JsonElement[]>($"api/v1/alerts?facility=BOS");
        alerts!.Where(a => a.GetProperty("workflowId").GetString() == workflowId).Select(a => a.GetProperty("kind").GetString())
            .Should().BeEquivalentTo(["entry_clock", "charge_review"]);

        using var approve = await ops.PostAsJsonAsync($"api/v1/workflows/{workflowId}/signal",
            new { signalName = "ChargeReviewed", input = new { amountCents = (long?)null, note = "gate clock reset; billed from arrival" }, reason = "review" });
        approve.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var openExit = await exitGate.ReceiveAsync();
        openExit.GetProperty("type").GetString().Should().Be("openBarrier");
        await exitGate.AcknowledgeAsync(openExit);

        var result = await system.Temporal.WorkflowResultAsync(workflowId);
        result.GetProperty("paidCents").GetInt64().Should().Be(600);
        (await system.Stripe.GetPaymentIntentsAsync()).Should().HaveCount(intentsBefore + 1);
    }

    private static async Task<JsonElement> WaitForStateAsync(HttpClient ops, string workflowId, string state)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            var detail = await ops.GetFromJsonAsync<JsonElement>($"api/v1/workflows/{workflowId}");
            if (detail.GetProperty("state") is { ValueKind: JsonValueKind.Object } status && status.GetProperty("state").GetString() == state)
            {
                return status;
            }
            DateTimeOffset.UtcNow.Should().BeBefore(deadline, $"{workflowId} never reached {state}: {detail}");
            await Task.Yield();
        }
    }
}
