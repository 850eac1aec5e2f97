using EasyParkPlus.Data.Parking;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.Domain;
using Microsoft.EntityFrameworkCore;

namespace EasyParkPlus.Activities.Tests.Data;

public class SpaceAllocatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    private static readonly DateTimeOffset BookedInAdvance = Now.AddDays(-1);

    private static SeedOptions RegularOnly(int spaces) => new()
    {
        LevelsPerFacility = 1,
        SpacesPerFacility = spaces,
        EvSpacesPerFacility = 0,
        AccessibleSpacesPerFacility = 0,
        ChargersPerFacility = 0,
    };

    [Fact]
    public async Task AllocateAsync_200VehiclesAtOnceInto150Spaces_Get150DistinctSpacesAnd50Denials()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions
        {
            SpacesPerFacility = 150,
            EvSpacesPerFacility = 0,
            AccessibleSpacesPerFacility = 0,
            ChargersPerFacility = 0,
        });
        // Open the 200 connections first, so the entries below meet on the database at once
        // instead of queueing behind connection start-up.
        var connections = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => database.DataSource.OpenConnectionAsync().AsTask()));
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
        var allocator = new SpaceAllocator(database.DataSource);
        // An async gate (not a blocking one): 200 blocked pool threads would take the thread pool
        // many seconds to inject, and the requests would trickle in instead of arriving at once.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var attempts = Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            return await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now);
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(attempts);

        var allocated = results.Where(result => result.IsAllocated).ToList();
        allocated.Count.Should().Be(150);
        allocated.Select(result => result.SpaceId).Distinct().Count().Should().Be(150);
        var denied = results.Where(result => !result.IsAllocated).ToList();
        denied.Count.Should().Be(50);
        denied.Should().AllSatisfy(result => (result.Outcome, result.DenialReason).Should().Be((SpaceAllocationOutcome.Full, "BOS has no free regular space.")));
        (await database.ScalarAsync<long>("SELECT count(DISTINCT parking_session_id) FROM parking.spaces WHERE facility_id = 'BOS' AND status = 'occupied'")).Should().Be(150L);
        (await database.ScalarAsync<long>("SELECT count(*) FROM analytics.occupancy_events WHERE kind = 'occupied'")).Should().Be(150L);
        (await database.ScalarAsync<long>("SELECT count(*) FROM parking.spaces WHERE facility_id = 'PHL' AND status <> 'available'")).Should().Be(0L);
    }

    [Fact]
    public async Task AllocateAsync_SameSessionAskingRepeatedlyAndConcurrently_GetsOneSpace()
    {
        await using var database = await DataTestDatabase.CreateAsync(RegularOnly(20));
        var allocator = new SpaceAllocator(database.DataSource);
        var session = Guid.NewGuid();

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            Task.Run(() => allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, session, Now))));
        var retry = await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, session, Now.AddMinutes(1));

        results.Should().AllSatisfy(result => result.Should().Be(results[0]));
        retry.Should().Be(results[0]);
        retry.SpaceLabel.Should().Be("L1-001");
        (await database.ScalarAsync<long>("SELECT count(*) FROM parking.spaces WHERE status = 'occupied'")).Should().Be(1L);
        (await database.ScalarAsync<long>("SELECT count(*) FROM analytics.occupancy_events")).Should().Be(1L);
    }

    [Fact]
    public async Task ReleaseAsync_Twice_FreesTheSpaceOnceAndItCanBeAllocatedAgain()
    {
        await using var database = await DataTestDatabase.CreateAsync(RegularOnly(1));
        var allocator = new SpaceAllocator(database.DataSource);
        var first = Guid.NewGuid();
        var firstSpace = await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, first, Now);
        ((await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now)).IsAllocated).Should().BeFalse();

        (await allocator.ReleaseAsync(first, Now.AddHours(2))).Should().BeTrue();
        (await allocator.ReleaseAsync(first, Now.AddHours(2))).Should().BeFalse();
        var next = await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now.AddHours(3));

        next.SpaceId.Should().Be(firstSpace.SpaceId);
        (await database.ScalarAsync<long>("SELECT count(*) FROM analytics.occupancy_events WHERE kind = 'vacated'")).Should().Be(1L);
        (await allocator.ReleaseAsync(Guid.NewGuid(), Now)).Should().BeFalse();
    }

    [Fact]
    public async Task AllocateAsync_SpacesInMaintenanceOrOfAnotherType_AreNeverAssigned()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions
        {
            LevelsPerFacility = 1,
            SpacesPerFacility = 4,
            EvSpacesPerFacility = 1,
            AccessibleSpacesPerFacility = 1,
            ChargersPerFacility = 0,
        });
        await database.ExecuteAsync("UPDATE parking.spaces SET status = 'maintenance' WHERE facility_id = 'BOS' AND label = 'L1-003'");
        var allocator = new SpaceAllocator(database.DataSource);

        var regular = await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now);
        var secondRegular = await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now);
        var ev = await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Ev, Guid.NewGuid(), Now);

        regular.SpaceLabel.Should().Be("L1-004");
        secondRegular.IsAllocated.Should().BeFalse();
        ev.SpaceLabel.Should().Be("L1-002");
    }

    [Fact]
    public async Task HoldAsync_ConcurrentBookingsForOneSlot_NeverOversell()
    {
        await using var database = await DataTestDatabase.CreateAsync(RegularOnly(10));
        await database.ExecuteAsync("UPDATE parking.spaces SET status = 'maintenance' WHERE facility_id = 'BOS' AND label = 'L1-010'");
        var allocator = new SpaceAllocator(database.DataSource);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var bookings = Enumerable.Range(0, 60).Select(i => Task.Run(async () =>
        {
            await start.Task;
            // Slots of different lengths that all overlap 11:00-12:00.
            return await allocator.HoldAsync(Guid.NewGuid(), FacilityCodes.Boston, SpaceType.Regular, Now.AddHours(2).AddMinutes(-(i % 5) * 10), Now.AddHours(3).AddMinutes(i % 7 * 10), BookedInAdvance);
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(bookings);

        results.Count(result => result.IsHeld).Should().Be(9);
        results.Where(result => !result.IsHeld).Should().AllSatisfy(result => result.Outcome.Should().Be(CapacityHoldOutcome.Full));
        (await database.ScalarAsync<long>("SELECT count(*) FROM reservation.capacity_holds")).Should().Be(9L);
    }

    [Fact]
    public async Task HoldAsync_SlotsThatDoNotOverlapAtOnce_ShareTheSameSpace()
    {
        await using var database = await DataTestDatabase.CreateAsync(RegularOnly(1));
        var allocator = new SpaceAllocator(database.DataSource);

        var morning = await allocator.HoldAsync(Guid.NewGuid(), FacilityCodes.Boston, SpaceType.Regular, Now, Now.AddHours(2), BookedInAdvance);
        var noon = await allocator.HoldAsync(Guid.NewGuid(), FacilityCodes.Boston, SpaceType.Regular, Now.AddHours(2), Now.AddHours(4), BookedInAdvance);
        var across = await allocator.HoldAsync(Guid.NewGuid(), FacilityCodes.Boston, SpaceType.Regular, Now.AddHours(1), Now.AddHours(3), BookedInAdvance);
        var otherFacility = await allocator.HoldAsync(Guid.NewGuid(), FacilityCodes.Philadelphia, SpaceType.Regular, Now.AddHours(1), Now.AddHours(3), BookedInAdvance);

        morning.IsHeld.Should().BeTrue();
        noon.IsHeld.Should().BeTrue();
        across.Outcome.Should().Be(CapacityHoldOutcome.Full);
        otherFacility.IsHeld.Should().BeTrue();
    }

    [Fact]
    public async Task HoldAsync_SameReservationTwice_IsIdempotentAndAReleasedHoldIsNotReused()
    {
        await using var database = await DataTestDatabase.CreateAsync(RegularOnly(1));
        var allocator = new SpaceAllocator(database.DataSource);
        var reservation = Guid.NewGuid();

        ((await allocator.HoldAsync(reservation, FacilityCodes.Boston, SpaceType.Regular, Now, Now.AddHours(2), BookedInAdvance)).IsHeld).Should().BeTrue();
        ((await allocator.HoldAsync(reservation, FacilityCodes.Boston, SpaceType.Regular, Now, Now.AddHours(2), BookedInAdvance)).IsHeld).Should().BeTrue();
        (await allocator.ReleaseHoldAsync(reservation)).Should().BeTrue();
        (await allocator.ReleaseHoldAsync(reservation)).Should().BeFalse();

        ((await allocator.HoldAsync(reservation, FacilityCodes.Boston, SpaceType.Regular, Now, Now.AddHours(2), BookedInAdvance)).Outcome).Should().Be(CapacityHoldOutcome.Released);
        ((await allocator.HoldAsync(Guid.NewGuid(), FacilityCodes.Boston, SpaceType.Regular, Now, Now.AddHours(2), BookedInAdvance)).IsHeld).Should().BeTrue();
    }

    [Fact]
    public async Task AllocateAsync_WalkInsWhileCapacityIsHeld_LeaveRoomForTheReservedCar()
    {
        await using var database = await DataTestDatabase.CreateAsync(RegularOnly(3));
        var allocator = new SpaceAllocator(database.DataSource);
        var reservation = Guid.NewGuid();
        await allocator.HoldAsync(reservation, FacilityCodes.Boston, SpaceType.Regular, Now.AddMinutes(30), Now.AddHours(3), BookedInAdvance);

        // Three hours before the slot the hold does not restrict walk-ins yet; within the lookahead it does.
        var early = await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now.AddHours(-3));
        var walkIn = await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now);
        var turnedAway = await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now);
        var availability = await allocator.GetAvailabilityAsync(FacilityCodes.Boston, Now);
        var reservedCar = await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now.AddMinutes(35), reservation);

        early.IsAllocated.Should().BeTrue();
        walkIn.IsAllocated.Should().BeTrue();
        turnedAway.IsAllocated.Should().BeFalse();
        var regular = availability.Single(a => a.SpaceType == SpaceType.Regular);
        (regular.Total, regular.Available, regular.Occupied, regular.HeldForReservations).Should().Be((3, 0, 2, 1));
        reservedCar.IsAllocated.Should().BeTrue();
        (await database.ScalarAsync<string>("SELECT status FROM reservation.capacity_holds")).Should().Be("consumed");
    }

    [Fact]
    public async Task PromoteHoldAsync_HeldReservation_ReservesOneSpaceWhichTheArrivingCarThenOccupies()
    {
        await using var database = await DataTestDatabase.CreateAsync(RegularOnly(2));
        var allocator = new SpaceAllocator(database.DataSource);
        var reservation = Guid.NewGuid();
        await allocator.HoldAsync(reservation, FacilityCodes.Boston, SpaceType.Regular, Now, Now.AddHours(2), BookedInAdvance);

        var promoted = await allocator.PromoteHoldAsync(reservation);
        var again = await allocator.PromoteHoldAsync(reservation);
        var walkIn = await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now);
        var secondWalkIn = await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now);
        var session = Guid.NewGuid();
        var arrival = await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, session, Now.AddMinutes(5), reservation);

        (promoted.Outcome, promoted.SpaceLabel).Should().Be((HoldPromotionOutcome.Promoted, "L1-001"));
        again.Should().Be(promoted);
        walkIn.SpaceLabel.Should().Be("L1-002");
        secondWalkIn.IsAllocated.Should().BeFalse();
        arrival.SpaceId.Should().Be(promoted.SpaceId);
        await using var context = database.CreateContext();
        var space = await context.Spaces.SingleAsync(s => s.Id == promoted.SpaceId);
        (space.Status, space.ParkingSessionId, space.ReservationId).Should().Be((SpaceStatus.Occupied, session, reservation));
    }

    [Fact]
    public async Task ReleaseHoldAsync_PromotedHold_MakesItsSpaceAvailableAgain()
    {
        await using var database = await DataTestDatabase.CreateAsync(RegularOnly(1));
        var allocator = new SpaceAllocator(database.DataSource);
        var reservation = Guid.NewGuid();
        await allocator.HoldAsync(reservation, FacilityCodes.Boston, SpaceType.Regular, Now, Now.AddHours(2), BookedInAdvance);
        await allocator.PromoteHoldAsync(reservation);
        ((await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now)).IsAllocated).Should().BeFalse();

        (await allocator.ReleaseHoldAsync(reservation)).Should().BeTrue();

        ((await allocator.PromoteHoldAsync(reservation)).Outcome).Should().Be(HoldPromotionOutcome.HoldReleased);
        ((await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now)).IsAllocated).Should().BeTrue();
        ((await allocator.PromoteHoldAsync(Guid.NewGuid())).Outcome).Should().Be(HoldPromotionOutcome.HoldNotFound);
    }

    [Fact]
    public async Task GetAvailabilityAsync_SeededFacility_CountsEveryTypeAndExcludesReservedMaintenanceAndOccupied()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions());
        await database.ExecuteAsync("UPDATE parking.spaces SET status = 'maintenance' WHERE facility_id = 'PHL' AND label IN ('L3-099', 'L3-100')");
        var allocator = new SpaceAllocator(database.DataSource);
        await allocator.AllocateAsync(FacilityCodes.Philadelphia, SpaceType.Ev, Guid.NewGuid(), Now);
        var reservation = Guid.NewGuid();
        await allocator.HoldAsync(reservation, FacilityCodes.Philadelphia, SpaceType.Accessible, Now, Now.AddHours(1), BookedInAdvance);
        await allocator.PromoteHoldAsync(reservation);

        var availability = await allocator.GetAvailabilityAsync(FacilityCodes.Philadelphia, Now);

        availability.Should().Equal([
                new SpaceAvailability(SpaceType.Regular, 268, 266, 0, 0, 2, 0),
                new SpaceAvailability(SpaceType.Ev, 20, 19, 1, 0, 0, 0),
                new SpaceAvailability(SpaceType.Accessible, 12, 11, 0, 1, 0, 0),
            ]);
    }

    [Fact]
    public async Task HoldAsync_SlotStartingSoonWhileTheLotIsFull_IsRefusedButALaterSlotIsHeld()
    {
        await using var database = await DataTestDatabase.CreateAsync(RegularOnly(1));
        var allocator = new SpaceAllocator(database.DataSource);
        await allocator.AllocateAsync(FacilityCodes.Boston, SpaceType.Regular, Guid.NewGuid(), Now);

        var soon = await allocator.HoldAsync(Guid.NewGuid(), FacilityCodes.Boston, SpaceType.Regular, Now.AddMinutes(30), Now.AddHours(2), Now);
        var tomorrow = await allocator.HoldAsync(Guid.NewGuid(), FacilityCodes.Boston, SpaceType.Regular, Now.AddDays(1), Now.AddDays(1).AddHours(2), Now);

        soon.Outcome.Should().Be(CapacityHoldOutcome.Full);
        tomorrow.IsHeld.Should().BeTrue();
    }
}
