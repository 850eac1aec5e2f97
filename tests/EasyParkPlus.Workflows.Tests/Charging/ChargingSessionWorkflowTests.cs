using EasyParkPlus.Domain.Charging;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Charging;
using EasyParkPlus.Workflows.Subscriptions;
using EasyParkPlus.Workflows.Tests.Infrastructure;
using Temporalio.Client;

namespace EasyParkPlus.Workflows.Tests.Charging;

[Collection(TimeSkippingCollection.Name)]
public sealed class ChargingSessionWorkflowTests(TimeSkippingServer server)
{
    internal static WorkflowTestEnvironment CreateEnvironment(TimeSkippingServer server, FakeChargingWorld world) =>
        WorkflowTestEnvironment.Start(server, w => w
            .AddAllActivities<IChargingActivities>(world)
            .AddAllActivities<IBillingActivities>(world)
            .AddAllActivities<ISubscriptionActivities>(world));

    private static async Task<(WorkflowHandle<ChargingSession, ChargingSessionResult> Handle, DateTimeOffset T0)> StartFromAppAsync(
        WorkflowTestEnvironment env, ChargingSessionSettings? settings = null)
    {
        var input = new ChargingSessionInput(Guid.NewGuid(), "BOS", "BOS-CH-01", 1, Guid.NewGuid(), "TOKEN-1") { Settings = settings };
        var handle = await env.Client.StartWorkflowAsync((ChargingSession wf) => wf.RunAsync(input),
            new WorkflowOptions(ChargingWorkflowIds.ForSession(input.SessionId), env.TaskQueue));
        await env.RunUntilIdleAsync();
        return (handle, env.Time.GetUtcNow());
    }

    // Moves virtual time to the device timestamp and delivers the event then, as a live charger would.
    private static async Task AtAsync(WorkflowTestEnvironment env, DateTimeOffset at, Func<Task> signal)
    {
        var delta = at - env.Time.GetUtcNow();
        if (delta > TimeSpan.Zero)
        {
            await env.SkipTimeAsync(delta);
        }
        await signal();
        await env.RunUntilIdleAsync();
    }

    // 20 kWh, 10 minutes held back by our own power limit, then 12 minutes idle with a full battery.
    private static async Task ChargeTwentyKwhWithTwelveIdleMinutesAsync(
        WorkflowTestEnvironment env, WorkflowHandle<ChargingSession, ChargingSessionResult> handle, DateTimeOffset t0)
    {
        await AtAsync(env, t0.AddMinutes(1), () => handle.SignalAsync(wf => wf.TransactionStartedAsync(new("TX1", 0, t0.AddMinutes(1), ChargingState.Charging, 0))));
        await AtAsync(env, t0.AddMinutes(20), () => handle.SignalAsync(wf => wf.TransactionUpdatedAsync(new("TX1", 1, t0.AddMinutes(20), ChargingState.SuspendedEVSE, 8_000))));
        await AtAsync(env, t0.AddMinutes(30), () => handle.SignalAsync(wf => wf.TransactionUpdatedAsync(new("TX1", 2, t0.AddMinutes(30), ChargingState.Charging, 8_000))));
        await AtAsync(env, t0.AddMinutes(50), () => handle.SignalAsync(wf => wf.TransactionUpdatedAsync(new("TX1", 3, t0.AddMinutes(50), ChargingState.EVConnected, 20_000))));
        // The same event delivered twice (gateway redelivery) must change nothing.
        await AtAsync(env, t0.AddMinutes(51), () => handle.SignalAsync(wf => wf.TransactionUpdatedAsync(new("TX1", 3, t0.AddMinutes(50), ChargingState.EVConnected, 20_000))));
        await AtAsync(env, t0.AddMinutes(62), () => handle.SignalAsync(wf => wf.TransactionEndedAsync(new("TX1", 4, t0.AddMinutes(62), 20_000, "EVDisconnected"))));
    }

    [Fact]
    public async Task RunAsync_TwentyKwhAndTwelveIdleMinutes_Captures1250AndSkipsSuspendedEvseTime()
    {
        var world = new FakeChargingWorld();
        await using var env = CreateEnvironment(server, world);
        var (handle, t0) = await StartFromAppAsync(env);

        Assert.Equal(5000L, Assert.Single(world.Payloads<HoldRequest>("hold")).AmountCents);
        Assert.Equal(ChargingStates.Starting, (await handle.QueryAsync(wf => wf.Status)).State);
        Assert.Equal(150_000, Assert.Single(world.Payloads<PowerReservation>("reserve-power")).RequestedW);
        Assert.Single(world.Payloads<RemoteStart>("start"));

        await ChargeTwentyKwhWithTwelveIdleMinutesAsync(env, handle, t0);
        var result = await handle.GetResultAsync();

        Assert.Equal((ChargingOutcome.Completed, 20_000L, 7L, 1250L, 1250L, 0L), (result.Outcome, result.EnergyWh, result.IdleMinutesBilled, result.TotalCents, result.CapturedCents, result.RemainderChargedCents));
        var invoice = Assert.Single(world.Payloads<InvoiceRequest>("invoice"));
        Assert.Equal(
            [(PriceLineCodes.ChargingSessionFee, 200L), (PriceLineCodes.ChargingEnergy, 700L), (PriceLineCodes.ChargingIdle, 350L)],
            invoice.Lines.Select(l => (l.Code, l.AmountCents)));
        var capture = Assert.Single(world.Payloads<HoldCapture>("capture"));
        Assert.Equal((1250L, $"{handle.Id}/capture"), (capture.AmountCents, capture.IdempotencyKey));
        Assert.Empty(world.Payloads<SavedCardCharge>("charge"));
        Assert.Empty(world.ReservedPower);
        Assert.Equal(ChargingStates.Completed, (await handle.QueryAsync(wf => wf.Status)).State);
    }

    [Fact]
    public async Task RunAsync_LifetimeRegisterReadingsOutOfOrder_BillsMeterStopMinusStart_RecordsTheRowAndIssuesAReceipt()
    {
        var world = new FakeChargingWorld();
        await using var env = CreateEnvironment(server, world);
        var (handle, t0) = await StartFromAppAsync(env);

        // Energy.Active.Import.Register is the EVSE's lifetime meter: 1,250,000 Wh at the start, 1,262,345 Wh at the end.
        // A buffered reading (seqNo 1) arrives after a later one and must not move the start. 12,345 Wh × $0.35 = $4.32075 → $4.32.
        await AtAsync(env, t0.AddMinutes(1), () => handle.SignalAsync(wf => wf.TransactionStartedAsync(new("TX9", 0, t0.AddMinutes(1), ChargingState.Charging, 1_250_000))));
        await AtAsync(env, t0.AddMinutes(30), () => handle.SignalAsync(wf => wf.TransactionUpdatedAsync(new("TX9", 2, t0.AddMinutes(30), ChargingState.Charging, 1_260_000))));
        await AtAsync(env, t0.AddMinutes(31), () => handle.SignalAsync(wf => wf.TransactionUpdatedAsync(new("TX9", 1, t0.AddMinutes(15), ChargingState.Charging, 1_255_000))));
        Assert.Equal(10_000, (await handle.QueryAsync(wf => wf.Status)).EnergyWh);
        await AtAsync(env, t0.AddMinutes(40), () => handle.SignalAsync(wf => wf.TransactionEndedAsync(new("TX9", 3, t0.AddMinutes(40), 1_262_345, "EVDisconnected"))));
        var result = await handle.GetResultAsync();

        Assert.Equal((12_345L, 200L + 432L), (result.EnergyWh, result.TotalCents));
        var records = world.Payloads<ChargingSessionRecord>("record-session");
        Assert.Equal(2, records.Count);
        Assert.Null(records[0].Closing);
        Assert.Equal(("TX9", t0.AddMinutes(1), (long?)1_250_000), (records[0].TransactionId, records[0].StartedDeviceAt, records[0].MeterStartWh));
        Assert.Equal(new ChargingSessionClosing(false, t0.AddMinutes(40), 1_262_345, 12_345, 0, 0, 200, 432, 0, 632, "EVDisconnected"), records[1].Closing);
        var receipt = Assert.Single(world.Payloads<ReceiptRequest>("receipt"));
        Assert.Equal(result.InvoiceId, receipt.InvoiceId);
        Assert.NotNull(receipt.PaymentId);
    }

    [Fact]
    public async Task RunAsync_EndedWithoutAMeterValue_KeepsTheEnergyOfTheLastReadings()
    {
        var world = new FakeChargingWorld();
        await using var env = CreateEnvironment(server, world);
        var (handle, t0) = await StartFromAppAsync(env);

        await AtAsync(env, t0.AddMinutes(1), () => handle.SignalAsync(wf => wf.TransactionStartedAsync(new("TX8", 0, t0.AddMinutes(1), ChargingState.Charging, 2_000_000))));
        await AtAsync(env, t0.AddMinutes(30), () => handle.SignalAsync(wf => wf.TransactionUpdatedAsync(new("TX8", 1, t0.AddMinutes(30), ChargingState.Charging, 2_010_000))));
        // No meterValue in the Ended: the gateway hands it over as 0 Wh.
        await AtAsync(env, t0.AddMinutes(31), () => handle.SignalAsync(wf => wf.TransactionEndedAsync(new("TX8", 2, t0.AddMinutes(31), 0, "EVDisconnected"))));
        var result = await handle.GetResultAsync();

        // 10,000 Wh × $0.35 = $3.50, plus the $2.00 session fee.
        Assert.Equal((10_000L, 550L), (result.EnergyWh, result.TotalCents));
    }

    [Fact]
    public async Task RunAsync_PriceAboveTheHold_CapturesTheHoldAndChargesTheRemainderOffSession()
    {
        var world = new FakeChargingWorld();
        await using var env = CreateEnvironment(server, world);
        var (handle, t0) = await StartFromAppAsync(env, new ChargingSessionSettings { HoldCents = 1000 });

        await ChargeTwentyKwhWithTwelveIdleMinutesAsync(env, handle, t0);
        var result = await handle.GetResultAsync();

        Assert.Equal((1250L, 1000L, 250L, 0L), (result.TotalCents, result.CapturedCents, result.RemainderChargedCents, result.OwedCents));
        var remainder = Assert.Single(world.Payloads<SavedCardCharge>("charge"));
        Assert.Equal((250L, $"{handle.Id}/remainder"), (remainder.AmountCents, remainder.IdempotencyKey));
    }

    [Fact]
    public async Task RunAsync_NothingOwed_CancelsTheIntentInsteadOfCapturing()
    {
        var world = new FakeChargingWorld();
        await using var env = CreateEnvironment(server, world);
        var (handle, t0) = await StartFromAppAsync(env);

        await AtAsync(env, t0.AddMinutes(1), () => handle.SignalAsync(wf => wf.TransactionStartedAsync(new("TX2", 0, t0.AddMinutes(1), ChargingState.EVConnected, 0))));
        await AtAsync(env, t0.AddMinutes(3), () => handle.SignalAsync(wf => wf.TransactionEndedAsync(new("TX2", 1, t0.AddMinutes(3), 0, "EVDisconnected"))));
        var result = await handle.GetResultAsync();

        Assert.Equal((0L, 0L), (result.TotalCents, result.CapturedCents));
        Assert.Empty(world.Payloads<HoldCapture>("capture"));
        Assert.Equal($"{handle.Id}/cancel-hold", Assert.Single(world.Payloads<HoldRelease>("cancel-hold")).IdempotencyKey);
    }

    [Fact]
    public async Task RunAsync_ChargerNeverStarts_ReleasesTheHoldAndPowerAndAlertsAnOperator()
    {
        var world = new FakeChargingWorld();
        await using var env = CreateEnvironment(server, world);
        var (handle, t0) = await StartFromAppAsync(env);

        var result = await handle.GetResultAsync();

        Assert.Equal(ChargingOutcome.NeverStarted, result.Outcome);
        world.TimesOf("cancel-hold").ShouldBeAt(t0 + TimeSpan.FromMinutes(2));
        Assert.Single(world.Payloads<PowerRelease>("release-power"));
        Assert.Empty(world.ReservedPower);
        Assert.Equal(ChargingAlertKinds.NeverStarted, Assert.Single(world.Payloads<ChargingAlert>("alert")).Kind);
        Assert.Empty(world.Payloads<HoldCapture>("capture"));
        Assert.Equal(ChargingStates.Failed, (await handle.QueryAsync(wf => wf.Status)).State);
    }

    [Fact]
    public async Task RunAsync_ChargerRejectsTheStart_ReleasesTheHoldWithoutWaiting()
    {
        var world = new FakeChargingWorld { StartAccepted = false };
        await using var env = CreateEnvironment(server, world);
        var (handle, t0) = await StartFromAppAsync(env);

        var result = await handle.GetResultAsync();

        Assert.Equal(ChargingOutcome.StartRejected, result.Outcome);
        world.TimesOf("cancel-hold").ShouldBeAt(t0);
    }

    [Fact]
    public async Task RunAsync_ChargerGoesSilent_EndsTheSessionReleasesTheHoldAndAlerts()
    {
        var world = new FakeChargingWorld();
        await using var env = CreateEnvironment(server, world);
        var settings = new ChargingSessionSettings { SilenceTimeout = TimeSpan.FromMinutes(10) };
        var (handle, t0) = await StartFromAppAsync(env, settings);
        await AtAsync(env, t0.AddMinutes(1), () => handle.SignalAsync(wf => wf.TransactionStartedAsync(new("TX3", 0, t0.AddMinutes(1), ChargingState.Charging, 0))));
        await AtAsync(env, t0.AddMinutes(9), () => handle.SignalAsync(wf => wf.TransactionUpdatedAsync(new("TX3", 1, t0.AddMinutes(9), ChargingState.Charging, 4_000))));

        var result = await handle.GetResultAsync();

        Assert.Equal(ChargingOutcome.ChargerSilent, result.Outcome);
        world.TimesOf("cancel-hold").ShouldBeAt(t0.AddMinutes(19));
        Assert.Equal(ChargingAlertKinds.Silent, Assert.Single(world.Payloads<ChargingAlert>("alert")).Kind);
        Assert.Empty(world.ReservedPower);
    }

    [Fact]
    public async Task RunAsync_StopRequested_AsksTheGatewayToStopOnce()
    {
        var world = new FakeChargingWorld();
        await using var env = CreateEnvironment(server, world);
        var (handle, t0) = await StartFromAppAsync(env);
        await AtAsync(env, t0.AddMinutes(1), () => handle.SignalAsync(wf => wf.TransactionStartedAsync(new("TX4", 0, t0.AddMinutes(1), ChargingState.Charging, 0))));

        await AtAsync(env, t0.AddMinutes(5), () => handle.SignalAsync(wf => wf.StopRequestedAsync(new StopRequest("driver"))));
        await AtAsync(env, t0.AddMinutes(6), () => handle.SignalAsync(wf => wf.StopRequestedAsync(new StopRequest("driver again"))));

        var stop = Assert.Single(world.Payloads<RemoteStop>("stop"));
        Assert.Equal(("BOS-CH-01", "TX4"), (stop.StationId, stop.TransactionId));
        Assert.True((await handle.QueryAsync(wf => wf.Status)).StopRequested);
        await AtAsync(env, t0.AddMinutes(6), () => handle.SignalAsync(wf => wf.TransactionEndedAsync(new("TX4", 1, t0.AddMinutes(6), 5_000, "Remote"))));
        var result = await handle.GetResultAsync();
        Assert.Equal(200L + 175L, result.CapturedCents);
    }

    [Fact]
    public async Task SignalWithStart_AtTheChargerWithAnAccount_BillsTheSavedCardAtTheEnd()
    {
        var world = new FakeChargingWorld();
        await using var env = CreateEnvironment(server, world);
        var t0 = env.Time.GetUtcNow();
        var input = new ChargingSessionInput(Guid.NewGuid(), "PHL", "PHL-CH-02", 2, Guid.NewGuid(), null);

        var handle = await env.Client.SignalWithStartWorkflowAsync((ChargingSession wf) => wf.RunAsync(input),
            wf => wf.TransactionStartedAsync(new TransactionStarted("TX9", 0, t0, ChargingState.Charging, 0, "PHL-CH-02/TX9/0")),
            new WorkflowOptions(ChargingWorkflowIds.ForSession(input.SessionId), env.TaskQueue));
        await env.RunUntilIdleAsync();
        Assert.Empty(world.Payloads<HoldRequest>("hold"));
        Assert.Empty(world.Payloads<RemoteStart>("start"));
        Assert.Equal(ChargingStates.Charging, (await handle.QueryAsync(wf => wf.Status)).State);

        await AtAsync(env, t0.AddMinutes(20), () => handle.SignalAsync(wf => wf.TransactionEndedAsync(new("TX9", 1, t0.AddMinutes(20), 10_000, "EVDisconnected", "PHL-CH-02/TX9/1"))));
        var result = await handle.GetResultAsync<ChargingSessionResult>();

        Assert.Equal((550L, 0L, 550L), (result.TotalCents, result.CapturedCents, result.RemainderChargedCents));
        Assert.Equal($"{handle.Id}/charge", Assert.Single(world.Payloads<SavedCardCharge>("charge")).IdempotencyKey);
    }

    [Fact]
    public async Task SignalWithStart_AtTheChargerWithoutAnAccount_RecordsTheAmountAsOwedAndAlerts()
    {
        var world = new FakeChargingWorld();
        await using var env = CreateEnvironment(server, world);
        var t0 = env.Time.GetUtcNow();
        var input = new ChargingSessionInput(Guid.NewGuid(), "PHL", "PHL-CH-02", 2, null, null);

        var handle = await env.Client.SignalWithStartWorkflowAsync((ChargingSession wf) => wf.RunAsync(input),
            wf => wf.TransactionStartedAsync(new TransactionStarted("TX10", 0, t0, ChargingState.Charging, 0)),
            new WorkflowOptions(ChargingWorkflowIds.ForSession(input.SessionId), env.TaskQueue));
        await env.RunUntilIdleAsync();
        await AtAsync(env, t0.AddMinutes(20), () => handle.SignalAsync(wf => wf.TransactionEndedAsync(new("TX10", 1, t0.AddMinutes(20), 10_000, "EVDisconnected"))));
        var result = await handle.GetResultAsync<ChargingSessionResult>();

        Assert.Equal((550L, 550L), (result.TotalCents, result.OwedCents));
        Assert.Empty(world.Payloads<SavedCardCharge>("charge"));
        Assert.Equal(ChargingAlertKinds.Unpaid, Assert.Single(world.Payloads<ChargingAlert>("alert")).Kind);
    }

    [Fact]
    public async Task RunAsync_HoldDeclined_NeverReservesPowerOrStartsTheCharger()
    {
        var world = new FakeChargingWorld { CardDeclines = true };
        await using var env = CreateEnvironment(server, world);
        var (handle, _) = await StartFromAppAsync(env);

        var result = await handle.GetResultAsync();

        Assert.Equal(ChargingOutcome.PaymentDeclined, result.Outcome);
        Assert.Empty(world.Payloads<PowerReservation>("reserve-power"));
        Assert.Empty(world.Payloads<RemoteStart>("start"));
    }
}
