using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Domain.Reservations;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;
using EasyParkPlus.Workflows.Tests.Parking;
using EasyParkPlus.Workflows.Tests.Infrastructure;
using Temporalio.Client;

namespace EasyParkPlus.Workflows.Tests.Reservations;

[Collection(TimeSkippingCollection.Name)]
public sealed class ReservationWorkflowTests(TimeSkippingServer server)
{
    private static async Task<(WorkflowHandle<Reservation, ReservationResult> Handle, ReservationInput Input)> BookAsync(
        WorkflowTestEnvironment env, FakeParkingWorld world, TimeSpan startsIn, TimeSpan length)
    {
        var customer = Guid.NewGuid();
        world.CustomersWithCard.Add(customer);
        var start = env.Time.GetUtcNow() + startsIn;
        // As the api starts them: a gate's offline buffer may still bring an entry from before the deadline for 72 hours.
        var input = new ReservationInput(Guid.NewGuid(), customer, "BOS", SpaceType.Regular, start, start + length, "RES123")
        {
            LateEntryWindow = TimeSpan.FromHours(72),
        };
        var handle = await env.Client.StartWorkflowAsync((Reservation wf) => wf.RunAsync(input),
            new WorkflowOptions(ReservationWorkflowIds.ForReservation(input.ReservationId), env.TaskQueue));
        await env.RunUntilIdleAsync();
        return (handle, input);
    }

    [Fact]
    public async Task RunAsync_Booked_HoldsASpaceAndChargesThePrepayment()
    {
        var world = new FakeParkingWorld();
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);

        var (handle, input) = await BookAsync(env, world, TimeSpan.FromDays(1), TimeSpan.FromHours(2));

        var status = await handle.QueryAsync(wf => wf.Status);
        Assert.Equal((ReservationStates.Booked, 600L), (status.State, status.PrepaidCents));
        Assert.Equal(input.SlotStart + TimeSpan.FromMinutes(15), status.ArrivalDeadline);
        Assert.Equal(1, world.HoldCount);
        var charge = (SavedCardCharge)Assert.Single(world.Calls, c => c.Call == "charge").Payload;
        Assert.Equal((600L, $"{handle.Id}/prepayment"), (charge.AmountCents, charge.IdempotencyKey));
    }

    [Fact]
    public async Task RunAsync_NoShow_ExpiresAtStartPlus15MinutesAndFreesTheSpace()
    {
        var world = new FakeParkingWorld();
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, input) = await BookAsync(env, world, TimeSpan.FromHours(3), TimeSpan.FromHours(2));

        await env.SkipTimeAsync(TimeSpan.FromHours(3) + TimeSpan.FromMinutes(14));
        Assert.Equal(ReservationStates.Booked, (await handle.QueryAsync(wf => wf.Status)).State);
        Assert.Equal(1, world.HoldCount);

        var result = await handle.GetResultAsync();

        Assert.Equal(ReservationOutcome.NoShow, result.Outcome);
        world.TimeOf("release-hold").ShouldBeAt(input.SlotStart + TimeSpan.FromMinutes(15));
        Assert.Equal(0, world.HoldCount);
        Assert.Equal((600L, 0L), (result.PrepaidCents, result.RefundedCents));
        Assert.Empty(world.Refunds);
        var last = (ReservationUpdate)world.Calls.Last(c => c.Call == "reservation").Payload;
        Assert.Equal(ReservationStatus.NoShow, last.Status);
    }

    [Fact]
    public async Task RunAsync_NoShowOnTheCurrentVersion_RecordsTheNoShowBeforeReleasingTheSpaceBehindAPatchMarker()
    {
        var world = new FakeParkingWorld();
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, _) = await BookAsync(env, world, TimeSpan.FromHours(1), TimeSpan.FromHours(1));

        (await handle.GetResultAsync()).Outcome.Should().Be(ReservationOutcome.NoShow);

        // The golden reservation-no-show history, recorded before the change, replays on the old branch (GoldenHistoryTests).
        var calls = world.Calls.Select(c => c.Call == "reservation" ? $"reservation:{((ReservationUpdate)c.Payload).Status}" : c.Call).ToList();
        calls.IndexOf($"reservation:{ReservationStatus.NoShow}").Should().BeLessThan(calls.IndexOf("release-hold"));
        var history = await handle.FetchHistoryAsync();
        history.Events.Should().Contain(e => e.MarkerRecordedEventAttributes != null
            && e.MarkerRecordedEventAttributes.MarkerName == "core_patch"
            && e.MarkerRecordedEventAttributes.Details.Values.Any(d => d.Payloads_.Any(
                p => p.Data.ToStringUtf8().Contains(ReservationPatches.NoShowRecordedFirst, StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData(120, 100, 600)]
    [InlineData(30, 50, 300)]
    [InlineData(-5, 0, 0)]
    public async Task RunAsync_Cancelled_RefundsPerPolicy(int minutesBeforeStart, int percent, long refundCents)
    {
        var world = new FakeParkingWorld();
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, input) = await BookAsync(env, world, TimeSpan.FromHours(5), TimeSpan.FromHours(2));

        await env.SkipTimeAsync(TimeSpan.FromHours(5) - TimeSpan.FromMinutes(minutesBeforeStart));
        await handle.SignalAsync(wf => wf.CancelAsync(new ReservationCancellation("plans changed")));
        var result = await handle.GetResultAsync();

        Assert.Equal(ReservationOutcome.Cancelled, result.Outcome);
        Assert.Equal((percent, refundCents, 600L), (result.RefundPercent, result.RefundedCents, result.PrepaidCents));
        if (refundCents > 0)
        {
            var refund = Assert.Single(world.Refunds);
            Assert.Equal((refundCents, $"{handle.Id}/cancellation-refund"), (refund.AmountCents, refund.IdempotencyKey));
        }
        else
        {
            Assert.Empty(world.Refunds);
        }
        Assert.Equal(0, world.HoldCount);
        world.TimeOf("release-hold").ShouldBeAt(input.SlotStart - TimeSpan.FromMinutes(minutesBeforeStart));
    }

    [Fact]
    public async Task RunAsync_VehicleArrives_StartsParkingSessionThatCreditsThePrepayment()
    {
        var world = new FakeParkingWorld();
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, input) = await BookAsync(env, world, TimeSpan.FromHours(1), TimeSpan.FromHours(2));
        await env.SkipTimeAsync(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(5));
        var sessionId = Guid.NewGuid();
        var arrivedAt = env.Time.GetUtcNow();

        await handle.SignalAsync(wf => wf.VehicleArrivedAsync(new ReservationArrival(sessionId, "RES123", arrivedAt, "BOS-G1")));
        var reservation = await handle.GetResultAsync();

        Assert.Equal((ReservationOutcome.Fulfilled, ParkingWorkflowIds.ForSession(sessionId)), (reservation.Outcome, reservation.ParkingWorkflowId));
        var parking = env.Client.GetWorkflowHandle<ParkingSession>(ParkingWorkflowIds.ForSession(sessionId));
        await env.RunUntilIdleAsync();
        var parked = await parking.QueryAsync(wf => wf.Status);
        Assert.Equal(ParkingStates.Parked, parked.State);
        Assert.Equal(0, world.HoldCount);

        await env.SkipTimeAsync(new TimeSpan(3, 10, 0));
        await parking.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(arrivedAt + new TimeSpan(3, 10, 0), "BOS-G2")));
        var result = await parking.GetResultAsync<ParkingSessionResult>();

        // $14 for the stay minus the $6 prepaid for the two reserved hours.
        Assert.Equal(800, result.TotalCents);
        Assert.Contains(result.Lines, l => l.Code == PriceLineCodes.ReservationCredit && l.AmountCents == -600);
        var exitCharge = (SavedCardCharge)world.Calls.Last(c => c.Call == "charge").Payload;
        Assert.Equal((800L, $"{parking.Id}/exit-charge"), (exitCharge.AmountCents, exitCharge.IdempotencyKey));
        Assert.Empty(world.Refunds);
        Assert.Equal(ReservationStatus.Fulfilled, ((ReservationUpdate)world.Calls.Last(c => c.Call == "reservation").Payload).Status);
    }

    // Slots the booking rules refuse: already started (beyond 5 minutes of tolerance), more than 90 days ahead, longer than 7 days.
    [Theory]
    [InlineData(-10, 120)]
    [InlineData(-60 * 24, 120)]
    [InlineData(91 * 24 * 60, 120)]
    [InlineData(60, 7 * 24 * 60 + 1)]
    public async Task RunAsync_SlotOutsideBookingRules_RejectsWithoutHoldingOrCharging(int startsInMinutes, int lengthMinutes)
    {
        var world = new FakeParkingWorld();
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);

        var (handle, _) = await BookAsync(env, world, TimeSpan.FromMinutes(startsInMinutes), TimeSpan.FromMinutes(lengthMinutes));
        var result = await handle.GetResultAsync();

        result.Outcome.Should().Be(ReservationOutcome.Rejected);
        result.Reason.Should().NotBeNullOrWhiteSpace();
        (result.PrepaidCents, result.RefundedCents).Should().Be((0L, 0L));
        world.Calls.Select(c => c.Call).Should().NotContain(["hold", "invoice", "charge"]);
        world.HoldCount.Should().Be(0);
    }

    [Fact]
    public async Task RunAsync_SlotStartedWithinTolerance_IsBooked()
    {
        var world = new FakeParkingWorld();
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);

        var (handle, _) = await BookAsync(env, world, TimeSpan.FromMinutes(-4), TimeSpan.FromHours(2));

        (await handle.QueryAsync(wf => wf.Status)).State.Should().Be(ReservationStates.Booked);
    }

    [Fact]
    public async Task RunAsync_EntryBeforeDeadlineDeliveredAfterIt_FulfilsAndChargesOnlyTheDifference()
    {
        var world = new FakeParkingWorld();
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, input) = await BookAsync(env, world, TimeSpan.FromHours(1), TimeSpan.FromHours(2));

        // The server's clock passes start + 15 minutes: the space goes back, as for a no-show ...
        await env.SkipTimeAsync(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(16));
        world.HoldCount.Should().Be(0);
        world.TimeOf("release-hold").ShouldBeAt(input.SlotStart.AddMinutes(15));
        // ... then the entry gate, back online, replays the car it saw at start + 10 minutes (device time).
        var sessionId = Guid.NewGuid();
        var enteredAt = input.SlotStart.AddMinutes(10);
        await handle.SignalAsync(wf => wf.VehicleArrivedAsync(new ReservationArrival(sessionId, "RES123", enteredAt, "BOS-G1")));
        var reservation = await handle.GetResultAsync();

        (reservation.Outcome, reservation.ParkingWorkflowId).Should().Be((ReservationOutcome.Fulfilled, ParkingWorkflowIds.ForSession(sessionId)));
        ((ReservationUpdate)world.Calls.Last(c => c.Call == "reservation").Payload).Status.Should().Be(ReservationStatus.Fulfilled);
        var parking = env.Client.GetWorkflowHandle<ParkingSession>(ParkingWorkflowIds.ForSession(sessionId));
        await env.RunUntilIdleAsync();
        (await parking.QueryAsync(wf => wf.Status)).EntryAt.Should().Be(enteredAt);

        await env.SkipTimeAsync(TimeSpan.FromHours(3));
        await parking.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(enteredAt + new TimeSpan(3, 10, 0), "BOS-G2")));
        var stay = await parking.GetResultAsync<ParkingSessionResult>();

        // $14 for 3 h 10 min from the device's entry time, less the $6 prepaid: the driver pays $6 + $8, once each.
        stay.TotalCents.Should().Be(800);
        stay.Lines.Should().Contain(l => l.Code == PriceLineCodes.ReservationCredit && l.AmountCents == -600);
        world.Calls.Where(c => c.Call == "charge").Select(c => ((SavedCardCharge)c.Payload).AmountCents).Should().Equal(600L, 800L);
        world.Refunds.Should().BeEmpty();
    }

    [Fact]
    public async Task RunAsync_EntryAfterDeadline_IsNotThisReservationsArrival()
    {
        var world = new FakeParkingWorld();
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, input) = await BookAsync(env, world, TimeSpan.FromHours(1), TimeSpan.FromHours(2));
        await env.SkipTimeAsync(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(20));

        await handle.SignalAsync(wf => wf.VehicleArrivedAsync(new ReservationArrival(Guid.NewGuid(), "RES123", input.SlotStart.AddMinutes(19), "BOS-G1")));
        var result = await handle.GetResultAsync();

        result.Outcome.Should().Be(ReservationOutcome.NoShow);
        (result.PrepaidCents, result.ParkingWorkflowId).Should().Be((600L, (string?)null));
        world.Calls.Should().NotContain(c => c.Call == "validate");
        ((ReservationUpdate)world.Calls.Last(c => c.Call == "reservation").Payload).Status.Should().Be(ReservationStatus.NoShow);
    }

    [Fact]
    public async Task RunAsync_FacilityFull_RejectsWithoutCharging()
    {
        var world = new FakeParkingWorld { Capacity = 0 };
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, _) = await BookAsync(env, world, TimeSpan.FromHours(3), TimeSpan.FromHours(1));

        var result = await handle.GetResultAsync();

        Assert.Equal(ReservationOutcome.Rejected, result.Outcome);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason));
        Assert.DoesNotContain(world.Calls, c => c.Call == "charge");
    }
}
