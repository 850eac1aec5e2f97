using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Tests.Infrastructure;
using Temporalio.Client;

namespace EasyParkPlus.Workflows.Tests.Parking;

// Issue 16, point 1: device times never move money on their own, and large amounts wait for an operator.
[Collection(TimeSkippingCollection.Name)]
public sealed class ParkingChargeReviewTests(TimeSkippingServer server)
{
    private async Task<(WorkflowTestEnvironment Env, FakeParkingWorld World, WorkflowHandle<ParkingSession, ParkingSessionResult> Handle, DateTimeOffset EntryAt)> EnterAsync(
        Func<DateTimeOffset, ParkingSessionInput, ParkingSessionInput>? shape = null, long? ceiling = null)
    {
        var world = new FakeParkingWorld { AutoChargeCeilingCents = ceiling };
        var customer = Guid.NewGuid();
        world.CustomersWithCard.Add(customer);
        var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);
        var now = env.Time.GetUtcNow();
        var sessionId = Guid.NewGuid();
        var input = new ParkingSessionInput(sessionId, "BOS", "ABC123", SpaceType.Regular, now, "BOS-G1", CustomerId: customer) { EntryReceivedAt = now };
        input = shape?.Invoke(now, input) ?? input;
        var handle = await env.Client.StartWorkflowAsync((ParkingSession wf) => wf.RunAsync(input),
            new WorkflowOptions(ParkingWorkflowIds.ForSession(sessionId), env.TaskQueue));
        await env.RunUntilIdleAsync();
        return (env, world, handle, now);
    }

    private static async Task<ParkingStatus> ExitAsync(WorkflowTestEnvironment env, WorkflowHandle<ParkingSession, ParkingSessionResult> handle,
        TimeSpan after, Func<DateTimeOffset, VehicleExit> exit)
    {
        // The car leaves `after` past its entry by the virtual clock (read from the stay, not the drifting test clock).
        var leftAt = (await handle.QueryAsync(wf => wf.Status)).EntryAt + after;
        await env.SkipTimeAsync(after);
        await handle.SignalAsync(wf => wf.VehicleExitedAsync(exit(leftAt)));
        await env.RunUntilIdleAsync();
        return await handle.QueryAsync(wf => wf.Status);
    }

    [Fact]
    public async Task RunAsync_EntryClockAYearBehind_TimedFromArrivalAlertedAndNotChargedUntilAnOperatorApproves()
    {
        // The gateway did not trust the entry gate's clock: EntryAt is the arrival, the flag keeps what the gate said.
        var (env, world, handle, entryAt) = await EnterAsync((now, input) =>
            input with { EntryClock = new DeviceClockFlag(now.AddDays(-365), now, DeviceClockFlag.Stale) });
        await using var scope = env;
        world.Alerts.Select(a => a.Kind).Should().Equal(OperatorAlertKinds.EntryClock);

        var held = await ExitAsync(env, handle, TimeSpan.FromHours(2), now => new VehicleExit(now, "BOS-G2") { ReceivedAt = now });

        held.State.Should().Be(ParkingStates.AwaitingReview);
        held.AmountDueCents.Should().Be(600, "two hours from the arrival, not a year and two hours from the gate's clock");
        held.ReviewReason.Should().Contain("entry gate's clock");
        world.Calls.Should().NotContain(c => c.Call == "charge");
        world.GateOpenings.Select(g => g.GateId).Should().Equal("BOS-G1");
        world.Alerts.Select(a => a.Kind).Should().Equal(OperatorAlertKinds.EntryClock, OperatorAlertKinds.ChargeReview);

        await handle.SignalAsync(wf => wf.ChargeReviewedAsync(new ChargeReview(null, "clock replaced")));
        var result = await handle.GetResultAsync();

        result.Should().Match<ParkingSessionResult>(r => r.TotalCents == 600 && r.PaidCents == 600 && r.Channel == PaymentChannel.SavedCard);
        result.EntryAt.Should().Be(entryAt);
        ((SavedCardCharge)world.Calls.Single(c => c.Call == "charge").Payload).AmountCents.Should().Be(600);
        world.GateOpenings.Select(g => g.GateId).Should().Equal("BOS-G1", "BOS-G2");
    }

    [Fact]
    public async Task RunAsync_ExitDatedBeforeTheEntry_AlertsPricesFromTheArrivalsAndTakesTheOperatorsAmount()
    {
        var (env, world, handle, entryAt) = await EnterAsync();
        await using var scope = env;

        // Five hours later the exit gate reports a time an hour before the entry: not a free stay.
        var held = await ExitAsync(env, handle, TimeSpan.FromHours(5), now => new VehicleExit(entryAt.AddHours(-1), "BOS-G2") { ReceivedAt = now });

        held.State.Should().Be(ParkingStates.AwaitingReview);
        held.AmountDueCents.Should().Be(3 * 300 + 2 * 500);
        world.Alerts.Select(a => a.Kind).Should().Equal(OperatorAlertKinds.ExitBeforeEntry, OperatorAlertKinds.ChargeReview);
        world.Calls.Should().NotContain(c => c.Call == "charge");

        // A negative amount is no decision; the operator then settles on $10.
        await handle.SignalAsync(wf => wf.ChargeReviewedAsync(new ChargeReview(-1, "typo")));
        await env.RunUntilIdleAsync();
        (await handle.QueryAsync(wf => wf.Status)).State.Should().Be(ParkingStates.AwaitingReview);
        await handle.SignalAsync(wf => wf.ChargeReviewedAsync(new ChargeReview(1000, "exit gate clock fault")));
        var result = await handle.GetResultAsync();

        result.TotalCents.Should().Be(1000);
        result.Lines.Should().ContainSingle(l => l.Code == PriceLineCodes.OperatorAdjustment).Which.AmountCents.Should().Be(-900);
        ((SavedCardCharge)world.Calls.Single(c => c.Call == "charge").Payload).AmountCents.Should().Be(1000);
    }

    [Fact]
    public async Task RunAsync_TwentyDayStayAboveTheDefaultCeiling_HeldUntilApproved()
    {
        var (env, world, handle, _) = await EnterAsync();
        await using var scope = env;

        var held = await ExitAsync(env, handle, TimeSpan.FromDays(20), now => new VehicleExit(now, "BOS-G2") { ReceivedAt = now });

        held.State.Should().Be(ParkingStates.AwaitingReview);
        held.AmountDueCents.Should().Be(20 * 3000);
        held.ReviewReason.Should().Contain("$500.00");
        world.Calls.Should().NotContain(c => c.Call == "charge");

        await handle.SignalAsync(wf => wf.ChargeReviewedAsync(new ChargeReview(null, null)));

        (await handle.GetResultAsync()).PaidCents.Should().Be(20 * 3000);
    }

    [Fact]
    public async Task RunAsync_CeilingConfiguredLower_HoldsAFourteenDollarStayButChargesOneBelowIt()
    {
        var (env, world, handle, _) = await EnterAsync(ceiling: 1000);
        await using var scope = env;
        var held = await ExitAsync(env, handle, new TimeSpan(3, 10, 0), now => new VehicleExit(now, "BOS-G2") { ReceivedAt = now });
        held.State.Should().Be(ParkingStates.AwaitingReview);
        world.Calls.Should().NotContain(c => c.Call == "charge");

        var (env2, world2, handle2, _) = await EnterAsync(ceiling: 1000);
        await using var scope2 = env2;
        await ExitAsync(env2, handle2, TimeSpan.FromHours(2), now => new VehicleExit(now, "BOS-G2") { ReceivedAt = now });

        (await handle2.GetResultAsync()).PaidCents.Should().Be(600);
        world2.Alerts.Should().BeEmpty();
    }
}
