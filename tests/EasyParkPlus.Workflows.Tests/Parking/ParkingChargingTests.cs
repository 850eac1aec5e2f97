using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Charging;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Charging;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;
using EasyParkPlus.Workflows.Tests.Charging;
using EasyParkPlus.Workflows.Tests.Infrastructure;
using Temporalio.Client;

namespace EasyParkPlus.Workflows.Tests.Parking;

// An EV stay that charges: the ParkingSession starts a child ChargingSession, which holds, meters and bills on its own.
[Collection(TimeSkippingCollection.Name)]
public sealed class ParkingChargingTests(TimeSkippingServer server)
{
    private readonly FakeParkingWorld _parking = new();
    private readonly FakeChargingWorld _charging = new();
    private readonly Guid _customer = Guid.NewGuid();

    // Billing (invoices, saved-card charges) goes to the parking world for both workflows; holds and the gateway to the charging one.
    private WorkflowTestEnvironment CreateEnvironment()
    {
        _parking.CustomersWithCard.Add(_customer);
        return WorkflowTestEnvironment.Start(server, w => w
            .AddAllActivities<IParkingActivities>(_parking)
            .AddAllActivities<IBillingActivities>(_parking)
            .AddAllActivities<IReservationActivities>(_parking)
            .AddAllActivities<IChargingActivities>(_charging));
    }

    private async Task<WorkflowHandle<ParkingSession, ParkingSessionResult>> ParkAsync(WorkflowTestEnvironment env, SpaceType type, Guid? customer)
    {
        var input = new ParkingSessionInput(Guid.NewGuid(), "BOS", "EV4242", type, env.Time.GetUtcNow(), "BOS-G1", CustomerId: customer);
        var handle = await env.Client.StartWorkflowAsync((ParkingSession wf) => wf.RunAsync(input),
            new WorkflowOptions(ParkingWorkflowIds.ForSession(input.SessionId), env.TaskQueue));
        await env.RunUntilIdleAsync();
        return handle;
    }

    private static async Task<WorkflowHandle<ChargingSession>> RequestChargeAsync(WorkflowTestEnvironment env, WorkflowHandle<ParkingSession, ParkingSessionResult> parking)
    {
        await parking.SignalAsync(wf => wf.ChargingRequestedAsync(new ChargingRequest("BOS-CH-01", 1)));
        await env.RunUntilIdleAsync();
        var status = await parking.QueryAsync(wf => wf.Status);
        Assert.True(status.ChargingSessionId is not null, $"No charge was started: {status.ChargingNote}");
        return env.Client.GetWorkflowHandle<ChargingSession>(ChargingWorkflowIds.ForSession(status.ChargingSessionId!.Value));
    }

    // 20 kWh, then 12 idle minutes with a full battery, by the charger's clock.
    private static async Task ChargeTwentyKwhAsync(WorkflowTestEnvironment env, WorkflowHandle<ChargingSession> charge, DateTimeOffset t0)
    {
        async Task At(int minutes, Func<Task> signal)
        {
            await env.SkipTimeAsync(t0.AddMinutes(minutes) - env.Time.GetUtcNow());
            await signal();
            await env.RunUntilIdleAsync();
        }
        await At(1, () => charge.SignalAsync(wf => wf.TransactionStartedAsync(new("TX-P1", 0, t0.AddMinutes(1), ChargingState.Charging, 0))));
        await At(20, () => charge.SignalAsync(wf => wf.TransactionUpdatedAsync(new("TX-P1", 1, t0.AddMinutes(20), ChargingState.Charging, 11_000))));
        await At(40, () => charge.SignalAsync(wf => wf.TransactionUpdatedAsync(new("TX-P1", 2, t0.AddMinutes(40), ChargingState.EVConnected, 20_000))));
        await At(52, () => charge.SignalAsync(wf => wf.TransactionEndedAsync(new("TX-P1", 3, t0.AddMinutes(52), 20_000, "EVDisconnected"))));
    }

    [Fact]
    public async Task EvStay_ChargingRequested_ChildChargesAndBillsOnItsOwn_StayBillsParkingOnly()
    {
        await using var env = CreateEnvironment();
        var parking = await ParkAsync(env, SpaceType.Ev, _customer);
        var entry = (await parking.QueryAsync(wf => wf.Status)).EntryAt;

        var charge = await RequestChargeAsync(env, parking);

        // The child runs under the driver's account: hold on the card, power reserved, remote start with the customer's token.
        Assert.Equal(_customer, Assert.Single(_charging.Payloads<HoldRequest>("hold")).CustomerId);
        var start = Assert.Single(_charging.Payloads<RemoteStart>("start"));
        Assert.Equal(("BOS-CH-01", 1, _customer.ToString()), (start.StationId, start.EvseId, start.IdToken));
        Assert.Equal(ChargingStates.Starting, (await charge.QueryAsync(wf => wf.Status)).State);

        await ChargeTwentyKwhAsync(env, charge, entry);
        var charged = await charge.GetResultAsync<ChargingSessionResult>();
        // $2.00 session fee + 20 kWh × $0.35 + (12 idle minutes − 5 grace) × $0.50 = $12.50, captured from the hold.
        Assert.Equal((ChargingOutcome.Completed, 1250L, 1250L), (charged.Outcome, charged.TotalCents, charged.CapturedCents));

        await env.SkipTimeAsync(entry.AddHours(2) - env.Time.GetUtcNow());
        await parking.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(entry.AddHours(2), "BOS-G2")));
        var stay = await parking.GetResultAsync();

        // Two hours in an EV space at $4/hour; the charge is its own invoice, not part of the stay.
        Assert.Equal(800, stay.TotalCents);
        Assert.Equal(800, ((SavedCardCharge)Assert.Single(_parking.Calls, c => c.Call == "charge").Payload).AmountCents);
        Assert.Equal([BillableKind.Charging, BillableKind.Parking], _parking.Calls.Where(c => c.Call == "invoice").Select(c => ((InvoiceRequest)c.Payload).Kind));
        Assert.Equal(charge.Id, ChargingWorkflowIds.ForSession(stay.ChargingSessionId!.Value));
        Assert.Equal(1250, stay.Charging!.TotalCents);
    }

    [Fact]
    public async Task EvStay_CarLeavesWhileCharging_StayCompletes_ChargeKeepsRunningAndStillBills()
    {
        await using var env = CreateEnvironment();
        var parking = await ParkAsync(env, SpaceType.Ev, _customer);
        var entry = (await parking.QueryAsync(wf => wf.Status)).EntryAt;
        var charge = await RequestChargeAsync(env, parking);
        await charge.SignalAsync(wf => wf.TransactionStartedAsync(new("TX-P2", 0, entry, ChargingState.Charging, 0)));

        await env.SkipTimeAsync(TimeSpan.FromMinutes(20));
        await parking.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(entry.AddMinutes(20), "BOS-G2")));
        var stay = await env.WithoutTimeSkippingAsync(() => parking.GetResultAsync());

        Assert.Equal((ParkingOutcome.Completed, 400L), (stay.Outcome, stay.TotalCents));
        Assert.Null(stay.Charging);
        // The parent is closed, yet the charge (abandoned, not terminated) still ends, releases its power and bills.
        await charge.SignalAsync(wf => wf.TransactionEndedAsync(new("TX-P2", 1, entry.AddMinutes(21), 10_000, "EVDisconnected")));
        var charged = await charge.GetResultAsync<ChargingSessionResult>();
        Assert.Equal((ChargingOutcome.Completed, 550L), (charged.Outcome, charged.TotalCents));
        Assert.Empty(_charging.ReservedPower);
    }

    [Theory]
    [InlineData(SpaceType.Regular, true, "not an EV space")]
    [InlineData(SpaceType.Ev, false, "needs a driver account")]
    public async Task ChargingRequested_WhereItCannotBeHonoured_StartsNothingAndSaysWhy(SpaceType type, bool withAccount, string reason)
    {
        await using var env = CreateEnvironment();
        var parking = await ParkAsync(env, type, withAccount ? _customer : null);

        await parking.SignalAsync(wf => wf.ChargingRequestedAsync(new ChargingRequest("BOS-CH-01", 1)));
        await env.RunUntilIdleAsync();

        var status = await parking.QueryAsync(wf => wf.Status);
        Assert.Null(status.ChargingSessionId);
        Assert.Contains(reason, status.ChargingNote, StringComparison.Ordinal);
        Assert.Empty(_charging.Calls);
        // The stay itself carries on unharmed.
        Assert.Equal(ParkingStates.Parked, status.State);
    }

    [Fact]
    public async Task ChargingRequested_WhileAChargeRuns_IsRefused_AfterItEnds_AnotherCanStart()
    {
        await using var env = CreateEnvironment();
        var parking = await ParkAsync(env, SpaceType.Ev, _customer);
        var first = await RequestChargeAsync(env, parking);

        await parking.SignalAsync(wf => wf.ChargingRequestedAsync(new ChargingRequest("BOS-CH-02", 1)));
        await env.RunUntilIdleAsync();
        var status = await parking.QueryAsync(wf => wf.Status);
        Assert.Equal(first.Id, ChargingWorkflowIds.ForSession(status.ChargingSessionId!.Value));
        Assert.Contains("already running", status.ChargingNote, StringComparison.Ordinal);

        // The charger never reports a transaction: the first charge gives up and refunds its hold.
        await env.SkipTimeAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(ChargingOutcome.NeverStarted, (await first.GetResultAsync<ChargingSessionResult>()).Outcome);
        var second = await RequestChargeAsync(env, parking);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(2, _charging.Payloads<RemoteStart>("start").Count);
    }
}
