using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;
using EasyParkPlus.Workflows.Tests.Infrastructure;
using Temporalio.Client;
using Temporalio.Converters;

namespace EasyParkPlus.Workflows.Tests.Parking;

[Collection(TimeSkippingCollection.Name)]
public sealed class ParkingSessionWorkflowTests(TimeSkippingServer server)
{
    internal static WorkflowTestEnvironment CreateEnvironment(TimeSkippingServer server, FakeParkingWorld world) =>
        WorkflowTestEnvironment.Start(server, w => w
            .AddAllActivities<IParkingActivities>(world)
            .AddAllActivities<IBillingActivities>(world)
            .AddAllActivities<IReservationActivities>(world));

    private static async Task<WorkflowHandle<ParkingSession, ParkingSessionResult>> EnterAsync(
        WorkflowTestEnvironment env, Guid? customerId = null, ParkingSessionSettings? settings = null, string facility = "BOS")
    {
        var sessionId = Guid.NewGuid();
        var input = new ParkingSessionInput(sessionId, facility, "ABC123", SpaceType.Regular, env.Time.GetUtcNow(), "BOS-G1", CustomerId: customerId)
        {
            Settings = settings,
        };
        return await env.Client.StartWorkflowAsync((ParkingSession wf) => wf.RunAsync(input),
            new WorkflowOptions(ParkingWorkflowIds.ForSession(sessionId), env.TaskQueue));
    }

    private static async Task<ParkingSessionResult> StayAndExitAsync(WorkflowTestEnvironment env, WorkflowHandle<ParkingSession, ParkingSessionResult> handle, TimeSpan stay)
    {
        var entry = (await handle.QueryAsync(wf => wf.Status)).EntryAt;
        await env.SkipTimeAsync(stay);
        await handle.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(entry + stay, "BOS-G2")));
        return await handle.GetResultAsync();
    }

    [Fact]
    public async Task RunAsync_ThreeHoursTenMinutesWithSavedCard_Charges14DollarsAtExit()
    {
        var world = new FakeParkingWorld();
        var customer = Guid.NewGuid();
        world.CustomersWithCard.Add(customer);
        await using var env = CreateEnvironment(server, world);
        var handle = await EnterAsync(env, customer);

        var result = await StayAndExitAsync(env, handle, new TimeSpan(3, 10, 0));

        Assert.Equal(ParkingOutcome.Completed, result.Outcome);
        Assert.Equal(1400, result.TotalCents);
        Assert.Equal([(PriceLineCodes.ParkingFirstHours, 3m, 900L), (PriceLineCodes.ParkingHours, 1m, 500L)],
            result.Lines.Select(l => (l.Code, l.Quantity, l.AmountCents)));
        var charge = Assert.Single(world.Calls, c => c.Call == "charge").Payload as SavedCardCharge;
        Assert.Equal((1400L, $"{handle.Id}/exit-charge"), (charge!.AmountCents, charge.IdempotencyKey));
        Assert.Equal((PaymentChannel.SavedCard, 1400L), (result.Channel, result.PaidCents));
        Assert.Equal(["BOS-G1", "BOS-G2"], world.GateOpenings.Select(g => g.GateId));
        Assert.Equal(0, world.OccupiedCount);
        Assert.NotNull(result.ReceiptNumber);
        // Payment is taken before the exit gate opens and the space is released after it.
        var order = world.Calls.Select(c => c.Call).Where(c => c is "charge" or "gate" or "release" or "receipt").ToList();
        Assert.Equal(["gate", "charge", "gate", "release", "receipt"], order);
        Assert.Equal(ParkingStates.Completed, (await handle.QueryAsync(wf => wf.Status)).State);
    }

    [Fact]
    public async Task RunAsync_ThirtyHourStay_Costs60Dollars()
    {
        var world = new FakeParkingWorld();
        var customer = Guid.NewGuid();
        world.CustomersWithCard.Add(customer);
        await using var env = CreateEnvironment(server, world);
        var handle = await EnterAsync(env, customer);

        var result = await StayAndExitAsync(env, handle, TimeSpan.FromHours(30));

        Assert.Equal(6000, result.TotalCents);
        Assert.Equal([(PriceLineCodes.ParkingDailyMaximum, 3000L), (PriceLineCodes.ParkingHours, 3000L)], result.Lines.Select(l => (l.Code, l.AmountCents)));
        Assert.Equal(6000, ((SavedCardCharge)Assert.Single(world.Calls, c => c.Call == "charge").Payload).AmountCents);
    }

    [Fact]
    public async Task RunAsync_StayWithinGrace_IsFreeAndTakesNoPayment()
    {
        var world = new FakeParkingWorld();
        await using var env = CreateEnvironment(server, world);
        var handle = await EnterAsync(env);

        var result = await StayAndExitAsync(env, handle, TimeSpan.FromMinutes(9));

        Assert.Equal((0L, PaymentChannel.None), (result.TotalCents, result.Channel));
        Assert.Equal(PriceLineCodes.ParkingGrace, Assert.Single(result.Lines).Code);
        Assert.DoesNotContain(world.Calls, c => c.Call is "charge" or "booth" or "alert");
        Assert.Contains(world.Calls, c => c.Call == "receipt");
        Assert.Equal(0, world.OccupiedCount);
    }

    [Fact]
    public async Task RunAsync_StayJustPastGrace_IsBilledFromEntry()
    {
        var world = new FakeParkingWorld();
        var customer = Guid.NewGuid();
        world.CustomersWithCard.Add(customer);
        await using var env = CreateEnvironment(server, world);
        var handle = await EnterAsync(env, customer);

        var result = await StayAndExitAsync(env, handle, TimeSpan.FromMinutes(11));

        Assert.Equal(300, result.TotalCents);
    }

    [Fact]
    public async Task RunAsync_FacilityFull_IsDeniedWithAClearReasonAndNoGateOpens()
    {
        var world = new FakeParkingWorld { Capacity = 1 };
        await using var env = CreateEnvironment(server, world);
        var first = await EnterAsync(env);
        await env.RunUntilIdleAsync();

        var second = await EnterAsync(env);
        var denied = await second.GetResultAsync();

        Assert.Equal(ParkingOutcome.Denied, denied.Outcome);
        Assert.Contains("full", denied.DenialReason, StringComparison.OrdinalIgnoreCase);
        var status = await second.QueryAsync(wf => wf.Status);
        Assert.Equal((ParkingStates.Denied, denied.DenialReason), (status.State, status.DenialReason));
        Assert.Single(world.GateOpenings);
        var shown = (GateMessage)Assert.Single(world.Calls, c => c.Call == "gate-message").Payload;
        Assert.Equal(("BOS-G1", denied.DenialReason), (shown.GateId, shown.Text));
        Assert.Equal(ParkingStates.Parked, (await first.QueryAsync(wf => wf.Status)).State);
    }

    [Fact]
    public async Task RunAsync_NoPaymentAtPayStation_RaisesAlertAfterTimeoutAndKeepsWaiting()
    {
        var world = new FakeParkingWorld();
        await using var env = CreateEnvironment(server, world);
        var handle = await EnterAsync(env, settings: new ParkingSessionSettings { PayStationTimeout = TimeSpan.FromMinutes(15) });
        var entry = (await handle.QueryAsync(wf => wf.Status)).EntryAt;
        await env.SkipTimeAsync(TimeSpan.FromHours(2));
        await handle.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(entry + TimeSpan.FromHours(2), "BOS-G2")));

        await env.SkipTimeAsync(TimeSpan.FromMinutes(14));
        Assert.Empty(world.Alerts);
        await env.SkipTimeAsync(TimeSpan.FromMinutes(2));

        var alert = Assert.Single(world.Alerts);
        Assert.Equal(OperatorAlertKinds.PayStationTimeout, alert.Kind);
        world.TimeOf("alert").ShouldBeAt(entry + TimeSpan.FromHours(2) + TimeSpan.FromMinutes(15));
        var waiting = await handle.QueryAsync(wf => wf.Status);
        Assert.Equal((ParkingStates.AwaitingPayment, 600L), (waiting.State, waiting.AmountDueCents));
        Assert.Single(world.GateOpenings);

        await env.SkipTimeAsync(TimeSpan.FromHours(1));
        await handle.SignalAsync(wf => wf.PaymentReceivedAtBoothAsync(new BoothPayment(600, "booth-7/tx-1", env.Time.GetUtcNow())));
        var result = await handle.GetResultAsync();

        Assert.Equal((PaymentChannel.PayStation, 600L, 600L), (result.Channel, result.PaidCents, result.TotalCents));
        Assert.Single(world.Alerts);
        Assert.Equal(["BOS-G1", "BOS-G2"], world.GateOpenings.Select(g => g.GateId));
    }

    [Fact]
    public async Task RunAsync_PayStationTakesPartOfTheAmount_ExitWaitsForTheRest_RepeatsAndNegativesCountNothing()
    {
        var world = new FakeParkingWorld();
        await using var env = CreateEnvironment(server, world);
        var handle = await EnterAsync(env);
        var entry = (await handle.QueryAsync(wf => wf.Status)).EntryAt;
        await env.SkipTimeAsync(TimeSpan.FromHours(2));
        await handle.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(entry + TimeSpan.FromHours(2), "BOS-G2")));

        await handle.SignalAsync(wf => wf.PaymentReceivedAtBoothAsync(new BoothPayment(400, "booth-7/cash-1", env.Time.GetUtcNow())));
        await handle.SignalAsync(wf => wf.PaymentReceivedAtBoothAsync(new BoothPayment(400, "booth-7/cash-1", env.Time.GetUtcNow())));
        await handle.SignalAsync(wf => wf.PaymentReceivedAtBoothAsync(new BoothPayment(-500, "booth-7/refund?", env.Time.GetUtcNow())));
        await env.RunUntilIdleAsync();

        // $6 due, $4 taken once: the barrier stays closed.
        var waiting = await handle.QueryAsync(wf => wf.Status);
        Assert.Equal((ParkingStates.AwaitingPayment, 600L, 400L), (waiting.State, waiting.AmountDueCents, waiting.AmountPaidCents));
        Assert.Single(world.GateOpenings);

        await handle.SignalAsync(wf => wf.PaymentReceivedAtBoothAsync(new BoothPayment(200, "booth-7/card-2", env.Time.GetUtcNow())));
        var result = await handle.GetResultAsync();

        Assert.Equal((PaymentChannel.PayStation, 600L, 600L), (result.Channel, result.PaidCents, result.TotalCents));
        Assert.Equal([400L, 200L], world.Calls.Where(c => c.Call == "booth").Select(c => ((PayStationPayment)c.Payload).AmountCents));
        Assert.Equal(["BOS-G1", "BOS-G2"], world.GateOpenings.Select(g => g.GateId));
    }

    [Fact]
    public async Task RunAsync_StayBeyondOverstayLimit_RaisesOneOperatorAlert()
    {
        var world = new FakeParkingWorld();
        var customer = Guid.NewGuid();
        world.CustomersWithCard.Add(customer);
        await using var env = CreateEnvironment(server, world);
        var handle = await EnterAsync(env, customer, new ParkingSessionSettings { OverstayLimit = TimeSpan.FromHours(48) });
        var entry = (await handle.QueryAsync(wf => wf.Status)).EntryAt;

        await env.SkipTimeAsync(TimeSpan.FromHours(47));
        Assert.Empty(world.Alerts);
        await env.SkipTimeAsync(TimeSpan.FromHours(2));

        var alert = Assert.Single(world.Alerts);
        Assert.Equal((OperatorAlertKinds.Overstay, "BOS"), (alert.Kind, alert.FacilityId));
        world.TimeOf("alert").ShouldBeAt(entry + TimeSpan.FromHours(48));
        var status = await handle.QueryAsync(wf => wf.Status);
        Assert.Equal(ParkingStates.Parked, status.State);
        Assert.Contains(OperatorAlertKinds.Overstay, status.Alerts);

        await env.SkipTimeAsync(TimeSpan.FromHours(3));
        await handle.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(entry + TimeSpan.FromHours(52), "BOS-G2")));
        var result = await handle.GetResultAsync();
        Assert.Equal(3000 + 3000 + 2000, result.TotalCents);
        Assert.Single(world.Alerts);
    }

    [Fact]
    public async Task RunAsync_SubscriberLeaves_PaysNothingAndInvoiceShowsThePass()
    {
        var world = new FakeParkingWorld();
        var customer = Guid.NewGuid();
        world.CustomersWithPass.Add(customer);
        world.CustomersWithCard.Add(customer);
        await using var env = CreateEnvironment(server, world);
        var handle = await EnterAsync(env, customer);

        var result = await StayAndExitAsync(env, handle, TimeSpan.FromHours(5));

        Assert.Equal((0L, PaymentChannel.Subscription), (result.TotalCents, result.Channel));
        Assert.Contains(result.Lines, l => l.Code == PriceLineCodes.Subscription && l.AmountCents == -1900);
        Assert.DoesNotContain(world.Calls, c => c.Call == "charge");
    }

    [Fact]
    public async Task RunAsync_DeclinedCard_FallsBackToPayStationWithAnAlert()
    {
        var world = new FakeParkingWorld();
        var customer = Guid.NewGuid();
        world.CustomersWithCard.Add(customer);
        world.DecliningCustomers.Add(customer);
        await using var env = CreateEnvironment(server, world);
        var handle = await EnterAsync(env, customer);
        var entry = (await handle.QueryAsync(wf => wf.Status)).EntryAt;
        await env.SkipTimeAsync(TimeSpan.FromHours(1));
        await handle.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(entry + TimeSpan.FromHours(1), "BOS-G2")));

        Assert.Equal(OperatorAlertKinds.CardDeclined, Assert.Single(world.Alerts).Kind);
        Assert.Single(world.Calls, c => c.Call == "charge");
        await handle.SignalAsync(wf => wf.PaymentReceivedAtBoothAsync(new BoothPayment(300, "booth-1", env.Time.GetUtcNow())));
        var result = await handle.GetResultAsync();

        Assert.Equal((PaymentChannel.PayStation, 300L), (result.Channel, result.PaidCents));
    }

    [Fact]
    public async Task RunAsync_Start_SetsSearchAttributes()
    {
        var world = new FakeParkingWorld();
        var customer = Guid.NewGuid();
        await using var env = CreateEnvironment(server, world);
        var handle = await EnterAsync(env, customer);
        await env.RunUntilIdleAsync();

        var history = await handle.FetchHistoryAsync();
        var upsert = Assert.Single(history.Events, e => e.UpsertWorkflowSearchAttributesEventAttributes is not null)
            .UpsertWorkflowSearchAttributesEventAttributes.SearchAttributes.IndexedFields;
        string Value(string name) => DataConverter.Default.PayloadConverter.ToValue<string>(upsert[name]);
        Assert.Equal("BOS", Value("FacilityId"));
        Assert.Equal("ABC123", Value("Plate"));
        Assert.Equal(customer.ToString(), Value("CustomerId"));
    }
}
