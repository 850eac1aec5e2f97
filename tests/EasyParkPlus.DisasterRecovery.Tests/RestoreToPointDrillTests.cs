using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.DisasterRecovery.Tests.Support;
using EasyParkPlus.TestSupport;
using EasyParkPlus.TestSupport.Devices;
using EasyParkPlus.LocalStripe;
using Xunit.Abstractions;

namespace EasyParkPlus.DisasterRecovery.Tests;

/// <summary>
/// Must-show 1 (and 3's restore time): traffic through the api, the gates and an ocpp-rpc station; a base backup; more
/// traffic; a noted point in time; more traffic; the data folder destroyed; a restore to the noted point; the system
/// started on the restored database. Everything before the point is there, nothing after it is, and the workflows that
/// were running finish with their side effects once: Stripe, which kept everything, sees no second charge.
/// Only the api, the devices, business tables and Stripe are looked at, never the workflow engine's own tables, so the
/// drill holds whichever server stores the workflows in this database.
/// </summary>
public sealed class RestoreToPointDrillTests(ITestOutputHelper output)
{
    private const string Facility = "BOS";
    private const string EntryGate = "BOS-GATE-IN-01";
    private const string ExitGate = "BOS-GATE-OUT-01";
    private const string Station = "BOS-CH-01";

    [Fact]
    public async Task RestoreToNotedPoint_KeepsWhatCameBefore_DropsWhatCameAfter_AndRunningWorkflowsFinishChargingOnce()
    {
        await using var cluster = await DrillCluster.StartAsync(TimeSpan.FromSeconds(5));
        await using var stripe = await StripeStandIn.StartAsync();
        var station = new StationHolder();
        try
        {
            BeforeTheLoss before;
            await using (var system = await DrillSystem.StartAsync(cluster.ConnectionString, stripe))
            {
                try
                {
                    before = await UpToTheLossAsync(system, cluster, stripe, station);
                }
                catch
                {
                    await DiagnoseAsync(system, stripe);
                    throw;
                }
            }

            var restore = await cluster.RestoreAsync(before.Point);
            restore.ExitCode.Should().Be(0, restore.Log);
            output.WriteLine(restore.Log);
            output.WriteLine($"restore wall time: {restore.Value("EASYPARK_RESTORE_SECONDS")} s");
            await cluster.StartAgainAsync();

            await using (var system = await DrillSystem.StartAsync(cluster.ConnectionString, stripe))
            {
                try
                {
                    await AfterTheRestoreAsync(system, stripe, station.Conversation!, before);
                }
                catch
                {
                    await DiagnoseAsync(system, stripe);
                    throw;
                }
            }
        }
        finally
        {
            if (station.Conversation is not null)
            {
                await station.Conversation.DisposeAsync();
            }
        }
    }

    private sealed class StationHolder
    {
        public NodeConversation? Conversation { get; set; }
    }

    private async Task<BeforeTheLoss> UpToTheLossAsync(DrillSystem system, DrillCluster cluster, StripeStandIn stripe, StationHolder holder)
    {
        var now = Whole(DateTimeOffset.UtcNow);

        // Before the base backup: a finished stay, a monthly pass, a reservation for later today.
        var d1 = await Driver.RegisterAsync(system.Api, "Before Backup", "DRL1001");
        using var app1 = await d1.ClientAsync(system.Api);
        var p1 = await GateAsync(system, EntryGate, Event(EntryGate, "p1"), d1.Plate, now.AddHours(-5));
        await GateAsync(system, ExitGate, Event(ExitGate, "p1"), d1.Plate, now.AddHours(-2));
        await Api.UntilAsync(app1, $"api/v1/sessions/{p1}", s => Api.WorkflowStatus(s) == "Completed");
        var plans = await app1.GetFromJsonAsync<JsonElement>("api/v1/subscriptions/plans");
        var plan = plans.EnumerateArray().First(p => p.GetProperty("facilityId").GetString() == Facility).GetProperty("code").GetString();
        var s1 = (await Api.PostAsync(app1, "api/v1/subscriptions", new { planCode = plan })).GetProperty("subscriptionId").GetGuid();
        await Api.UntilAsync(app1, $"api/v1/subscriptions/{s1}", s => s.GetProperty("status").GetString() == "active");
        var slotStart = now.AddHours(1);
        var r1 = (await Api.PostAsync(app1, "api/v1/reservations",
            new { facilityId = Facility, spaceType = "regular", slotStart, slotEnd = slotStart.AddHours(2), plate = d1.Plate })).GetProperty("reservationId").GetGuid();
        await Api.UntilAsync(app1, $"api/v1/reservations/{r1}", r => Api.State(r) == "Booked");

        output.WriteLine((await cluster.BackupAsync()).Log);

        // After the backup, before the point: a charge starts (its card hold placed), a car parks, a driver signs up.
        var station = holder.Conversation = NodeConversation.Start("drill-station.js", system.OcppEndpoint.ToString(), Station, DrillSystem.StationPassword);
        (await station.NextAsync("boot")).GetProperty("status").GetString().Should().Be("Accepted");
        await station.NextAsync("plugged");
        var c1 = (await Api.PostAsync(app1, "api/v1/charging/sessions", new { facilityId = Facility, stationId = Station, evseId = 1 }))
            .GetProperty("sessionId").GetGuid();
        await station.ContinueAsync();
        (await station.NextAsync("started")).GetProperty("idTokenInfo").GetProperty("status").GetString().Should().Be("Accepted");
        await station.NextAsync("updated1");
        await station.NextAsync("charging");
        await Api.UntilAsync(app1, $"api/v1/charging/sessions/{c1}", c => Api.State(c) == "charging");
        var d2 = await Driver.RegisterAsync(system.Api, "Parked Across", "DRL2002");
        using var app2 = await d2.ClientAsync(system.Api);
        var p2Entry = now.AddHours(-2);
        var p2 = await GateAsync(system, EntryGate, Event(EntryGate, "p2"), d2.Plate, p2Entry);
        await Api.UntilAsync(app2, $"api/v1/sessions/{p2}", s => Api.State(s) == "Parked");
        var d3 = await Driver.RegisterAsync(system.Api, "Before Point", "DRL3003");

        // The point an operator notes; everything acknowledged so far committed before it.
        var point = DateTimeOffset.UtcNow;

        // After the point: the parked car leaves and pays, a new driver signs up, another car enters, the charge goes on.
        var p2Exit = p2Entry.AddHours(2).AddMinutes(-1);
        var p2ExitEvent = Event(ExitGate, "p2");
        await GateAsync(system, ExitGate, p2ExitEvent, d2.Plate, p2Exit);
        await Api.UntilAsync(app2, $"api/v1/sessions/{p2}", s => Api.WorkflowStatus(s) == "Completed");
        var d4 = await Driver.RegisterAsync(system.Api, "After Point", "DRL4004");
        var p3 = await GateAsync(system, EntryGate, Event(EntryGate, "p3"), d3.Plate, Whole(DateTimeOffset.UtcNow));
        await station.ContinueAsync();
        await station.NextAsync("updated2");
        await station.NextAsync("reconnect");

        // The archive holds WAL past the point (within one archive timeout), then the disk is lost.
        await cluster.WaitUntilArchivedAsync();
        var charges = (await stripe.GetPaymentIntentsAsync()).Count;
        await cluster.DestroyAsync();
        return new(point, d1, d2, d3, d4, p1, p2, p3, r1, s1, c1, p2ExitEvent, p2Exit, charges);
    }

    private sealed record BeforeTheLoss(DateTimeOffset Point, Driver D1, Driver D2, Driver D3, Driver D4, Guid P1, Guid P2, Guid P3, Guid R1, Guid S1, Guid C1,
        string P2ExitEvent, DateTimeOffset P2Exit, int ChargesBeforeTheLoss);

    private async Task AfterTheRestoreAsync(DrillSystem system, StripeStandIn stripe, NodeConversation station, BeforeTheLoss before)
    {
        var (_, d1, d2, d3, d4, p1, p2, p3, r1, s1, c1, p2ExitEvent, p2Exit, chargesBeforeTheLoss) = before;
        using var app1 = await d1.ClientAsync(system.Api);
        using var app2 = await d2.ClientAsync(system.Api);
        using var app3 = await d3.ClientAsync(system.Api);

        // Committed before the point: all there, the running workflows still running where they were.
        Api.WorkflowStatus(await app1.GetFromJsonAsync<JsonElement>($"api/v1/sessions/{p1}")).Should().Be("Completed");
        (await app1.GetFromJsonAsync<JsonElement>($"api/v1/subscriptions/{s1}")).GetProperty("status").GetString().Should().Be("active");
        await Api.UntilAsync(app1, $"api/v1/reservations/{r1}", r => Api.State(r) == "Booked" && Api.WorkflowStatus(r) == "Running");
        await Api.UntilAsync(app1, $"api/v1/charging/sessions/{c1}", c => Api.State(c) == "charging" && Api.WorkflowStatus(c) == "Running");
        await Api.UntilAsync(app2, $"api/v1/sessions/{p2}", s => Api.State(s) == "Parked" && Api.WorkflowStatus(s) == "Running");

        // Committed after the point: gone.
        (await Driver.SignInAsync(system.Api, d4.Email)).Should().BeNull("the driver registered after the point");
        (await Api.StatusOfAsync(app3, $"api/v1/sessions/{p3}")).Should().Be(HttpStatusCode.NotFound, "the car entered after the point");

        // The parked car's exit, lost with the disk, comes again from the gate (same event, same device time): the
        // workflow charges again with the same idempotency key, and Stripe answers with the charge it already made.
        await GateAsync(system, ExitGate, p2ExitEvent, d2.Plate, p2Exit);
        var p2Done = await Api.UntilAsync(app2, $"api/v1/sessions/{p2}", s => Api.WorkflowStatus(s) == "Completed");
        p2Done.GetProperty("result").GetProperty("paidCents").GetInt64().Should().Be(600, "two started hours at $3");
        stripe.Requests.Where(r => r.Path == "/v1/payment_intents" && r.IdempotencyKey?.StartsWith($"parking-{p2}/", StringComparison.Ordinal) == true)
            .Select(r => (r.StatusCode, r.Replayed)).Should().Equal([(200, false), (200, true)], "the charge made before the loss, then its replay");

        // The charge goes on at the station, now talking to the gateway on the restored database, until the driver stops it.
        await station.AnswerAsync(system.OcppEndpoint.ToString());
        await station.NextAsync("reconnected");
        await station.NextAsync("updated3");
        await station.NextAsync("stopWanted");
        await Api.PostAsync(app1, $"api/v1/charging/sessions/{c1}/stop", new { });
        await station.ContinueAsync();
        await station.NextAsync("remoteStop");
        await station.NextAsync("ended");
        await station.NextAsync("endedSent");
        var c1Done = await Api.UntilAsync(app1, $"api/v1/charging/sessions/{c1}", c => Api.WorkflowStatus(c) == "Completed");
        await station.ContinueAsync();
        await station.NextAsync("done");
        (await station.ExitAsync()).Should().Be(0);
        // 12 kWh by the register at $0.35 plus the $2.00 session fee, captured from the hold placed before the point.
        c1Done.GetProperty("result").GetProperty("capturedCents").GetInt64().Should().Be(620);

        // The driver with the reservation arrives; the prepayment is credited, not charged again.
        var arrival = await Api.PostAsync(app1, $"api/v1/reservations/{r1}/confirm", new { plate = d1.Plate });
        await Api.UntilAsync(app1, $"api/v1/reservations/{r1}", r => Api.State(r) == "Fulfilled");
        var r1Session = arrival.GetProperty("sessionId").GetGuid();
        await Api.UntilAsync(app1, $"api/v1/sessions/{r1Session}", s => Api.State(s) == "Parked");
        await Api.PostAsync(app1, "api/v1/exit/checkout", new { sessionId = r1Session });
        await Api.UntilAsync(app1, $"api/v1/sessions/{r1Session}", s => Api.WorkflowStatus(s) == "Completed");

        // Stripe, which the restore did not touch, holds one payment per workflow that paid, and nothing more.
        var intents = await stripe.GetPaymentIntentsAsync();
        output.WriteLine(string.Join('\n', intents.Select(i => $"{i.Metadata.GetValueOrDefault("workflow_id")}: {i.Status} {i.AmountReceived}")));
        intents.Should().HaveCount(chargesBeforeTheLoss, "no step replayed after the restore charged a second time");
        intents.GroupBy(i => i.Metadata.GetValueOrDefault("workflow_id")).Should().OnlyContain(g => g.Count() == 1);
        var byWorkflow = intents.ToDictionary(i => i.Metadata["workflow_id"]);
        byWorkflow[$"parking-{p1}"].AmountReceived.Should().Be(900, "three started hours at $3");
        byWorkflow[$"parking-{p2}"].AmountReceived.Should().Be(600);
        byWorkflow[$"charging-{c1}"].Should().Match<StripeStandInPaymentIntent>(i => i.Status == "succeeded" && i.AmountReceived == 620);
        byWorkflow.Keys.Should().Contain(k => k.Contains(r1.ToString(), StringComparison.Ordinal), "the reservation was prepaid once");
        byWorkflow.Keys.Should().Contain(k => k.Contains(s1.ToString(), StringComparison.Ordinal), "the pass was paid once");
    }

    // What the processes and Stripe saw, written to the test output when the drill fails after the restore.
    private async Task DiagnoseAsync(DrillSystem system, StripeStandIn stripe)
    {
        foreach (var request in stripe.Requests.Where(r => r.StatusCode >= 400 || r.Replayed))
        {
            output.WriteLine($"stripe: {request.Method} {request.Path} key={request.IdempotencyKey} -> {request.StatusCode} replayed={request.Replayed}");
        }
        foreach (var intent in await stripe.GetPaymentIntentsAsync())
        {
            output.WriteLine($"stripe intent {intent.Id} {intent.Metadata.GetValueOrDefault("workflow_id")}: {intent.Status} {intent.AmountReceived}");
        }
        var processes = system.Output;
        output.WriteLine(processes[^Math.Min(20_000, processes.Length)..]);
    }

    private static DateTimeOffset Whole(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());

    private static string Event(string gate, string name) => $"{gate}:drill-{name}-{Guid.NewGuid():N}"[..Math.Min(64, gate.Length + 20 + name.Length)];

    // A vehicle at a gate, as its controller reports it; returns the session the opened barrier belongs to.
    private static async Task<Guid> GateAsync(DrillSystem system, string gateId, string eventId, string plate, DateTimeOffset at)
    {
        await using var gate = await GateClient.ConnectAsync(system.GateSocket(gateId), gateId, DrillSystem.GatePassword);
        var ack = await gate.ReportAsync(eventId, gateId.Contains("-IN-", StringComparison.Ordinal) ? "entry" : "exit", plate, at);
        ack.GetProperty("type").GetString().Should().Be("ack", ack.ToString());
        while (true)
        {
            var command = await ReceiveAsync(gate);
            await gate.AcknowledgeAsync(command);
            if (command.GetProperty("type").GetString() == "openBarrier")
            {
                return command.GetProperty("sessionId").GetGuid();
            }
        }
    }

    // The gate waits for the barrier command as long as the drill waits for anything (GateClient's own 30 s is too
    // short for the first workflow of a freshly started api on a loaded machine).
    private static async Task<JsonElement> ReceiveAsync(GateClient gate)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (true)
        {
            var received = await gate.Socket.ReceiveAsync(buffer.AsMemory(length), limit.Token);
            received.MessageType.Should().Be(System.Net.WebSockets.WebSocketMessageType.Text, "the gateway keeps the gate's socket open");
            length += received.Count;
            if (received.EndOfMessage)
            {
                return JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone();
            }
        }
    }
}
