using EasyParkPlus.Activities.Gateway;
using EasyParkPlus.Activities.Parking;
using EasyParkPlus.Activities.Tests.Data;
using EasyParkPlus.Data.Accounts;
using EasyParkPlus.Data.Billing;
using EasyParkPlus.Data.GatewayApi;
using EasyParkPlus.Data.Parking;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Reservations;
using EasyParkPlus.Domain.Subscriptions;
using EasyParkPlus.Workflows.Parking;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ReservationRow = EasyParkPlus.Data.Reservations.Reservation;

namespace EasyParkPlus.Activities.Tests.Parking;

public sealed class EntryValidationTests
{
    private static readonly DateTimeOffset Entry = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    private static ParkingActivities Activities(DataTestDatabase database, long ceilingCents = 50_000) =>
        new(database.CreateContext(), new SpaceAllocator(database.DataSource), new NoGateway(), TimeProvider.System,
            Options.Create(new ParkingPolicyOptions { AutoChargeCeilingCents = ceilingCents }), NullLogger<ParkingActivities>.Instance);

    private static async Task<Guid> AddDriverAsync(DataTestDatabase database, string plate, string? passPlan = null)
    {
        var customerId = Guid.NewGuid();
        await using var db = database.CreateContext();
        var customer = new Customer { Id = customerId, Email = $"{customerId:N}@example.com", Name = "Driver", Role = CustomerRole.Driver };
        customer.Vehicles.Add(new Vehicle { Id = Guid.NewGuid(), CustomerId = customerId, Plate = plate, Fuel = FuelType.Ice, Kind = VehicleKind.Car });
        db.Customers.Add(customer);
        if (passPlan is not null)
        {
            var plan = await db.SubscriptionPlans.FindAsync(passPlan);
            db.Subscriptions.Add(new Subscription
            {
                Id = Guid.NewGuid(),
                WorkflowId = $"subscription-{customerId}",
                CustomerId = customerId,
                PlanCode = passPlan,
                FacilityId = plan!.FacilityId,
                Status = SubscriptionStatus.Active,
                Price = plan.MonthlyPrice,
                AnchorAt = Entry.AddDays(-10),
                CurrentPeriodStart = Entry.AddDays(-10),
                CurrentPeriodEnd = Entry.AddDays(20),
            });
        }
        await db.SaveChangesAsync();
        return customerId;
    }

    [Fact]
    public async Task ValidateEntryAsync_BostonPassHolderIdentifiedByPlate_IsCoveredAtBostonOnly()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions { SpacesPerFacility = 40, ChargersPerFacility = 2, EvSpacesPerFacility = 2 });
        var customerId = await AddDriverAsync(database, "PASS1", SubscriptionPlans.BostonMonthly);

        var boston = await Activities(database).ValidateEntryAsync(new EntryValidationRequest("parking-1", "BOS", "pass-1", Entry, null, null));
        var philadelphia = await Activities(database).ValidateEntryAsync(new EntryValidationRequest("parking-2", "PHL", "PASS 1", Entry, null, null));
        var afterPeriod = await Activities(database).ValidateEntryAsync(new EntryValidationRequest("parking-3", "BOS", "PASS1", Entry.AddDays(21), null, null));

        (boston.Allowed, boston.Plate, boston.CustomerId).Should().Be((true, "PASS1", (Guid?)customerId));
        boston.SubscriptionId.Should().NotBeNull();
        (philadelphia.Allowed, philadelphia.CustomerId, philadelphia.SubscriptionId).Should().Be((true, (Guid?)customerId, (Guid?)null));
        afterPeriod.SubscriptionId.Should().BeNull();
        boston.HasSavedCard.Should().BeFalse();
    }

    // Issue 16, point 1: the deployment's ceiling for charging without an operator reaches the workflow with the validation.
    [Fact]
    public async Task ValidateEntryAsync_ReportsTheConfiguredAutoChargeCeiling()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions { SpacesPerFacility = 40, ChargersPerFacility = 2, EvSpacesPerFacility = 2 });

        var validation = await Activities(database, ceilingCents: 12_345).ValidateEntryAsync(new EntryValidationRequest("parking-c", "BOS", "CEIL1", Entry, null, null));

        validation.Allowed.Should().BeTrue();
        validation.AutoChargeCeilingCents.Should().Be(12_345);
    }

    [Fact]
    public async Task ValidateEntryAsync_UnreadablePlateOrUnknownFacility_IsDeniedWithAReason()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions { SpacesPerFacility = 40, ChargersPerFacility = 2, EvSpacesPerFacility = 2 });

        var badPlate = await Activities(database).ValidateEntryAsync(new EntryValidationRequest("parking-1", "BOS", "??", Entry, null, null));
        var badFacility = await Activities(database).ValidateEntryAsync(new EntryValidationRequest("parking-2", "NYC", "ABC123", Entry, null, null));

        (badPlate.Allowed, badPlate.DenialReason).Should().Be((false, "'??' is not a readable licence plate."));
        (badFacility.Allowed, badFacility.DenialReason).Should().Be((false, "Unknown facility 'NYC'."));
    }

    [Fact]
    public async Task ValidateEntryAsync_Reservation_CreditsWhatIsLeftOfThePrepaymentAndRefusesCancelledOnes()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions { SpacesPerFacility = 40, ChargersPerFacility = 2, EvSpacesPerFacility = 2 });
        var customerId = await AddDriverAsync(database, "RES1");
        var booked = Guid.NewGuid();
        var cancelled = Guid.NewGuid();
        await using (var db = database.CreateContext())
        {
            foreach (var (id, status, refunded) in new[] { (booked, ReservationStatus.Booked, 0L), (cancelled, ReservationStatus.Cancelled, 600L) })
            {
                db.Reservations.Add(new ReservationRow
                {
                    Id = id,
                    WorkflowId = $"reservation-{id}",
                    CustomerId = customerId,
                    FacilityId = "BOS",
                    SpaceType = SpaceType.Regular,
                    SlotStart = Entry,
                    SlotEnd = Entry.AddHours(2),
                    Status = status,
                    Prepaid = Money.FromCents(600),
                    Refunded = Money.FromCents(refunded),
                });
            }
            await db.SaveChangesAsync();
        }

        var arriving = await Activities(database).ValidateEntryAsync(new EntryValidationRequest("parking-1", "BOS", "RES1", Entry, booked, null));
        var refused = await Activities(database).ValidateEntryAsync(new EntryValidationRequest("parking-2", "BOS", "RES1", Entry, cancelled, null));
        var elsewhere = await Activities(database).ValidateEntryAsync(new EntryValidationRequest("parking-3", "PHL", "RES1", Entry, booked, null));

        (arriving.Allowed, arriving.ReservationCreditCents, arriving.CustomerId).Should().Be((true, 600L, (Guid?)customerId));
        (refused.Allowed, refused.DenialReason).Should().Be((false, $"Reservation {cancelled} is cancelled."));
        (elsewhere.Allowed, elsewhere.DenialReason).Should().Be((false, $"Reservation {booked} is for BOS, not PHL."));
    }

    private sealed class NoGateway : IGatewayClient
    {
        public Task OpenGateAsync(string gateId, string sessionId, string? message, CancellationToken cancellationToken) => throw new InvalidOperationException("not used");

        public Task ShowGateMessageAsync(string gateId, string text, CancellationToken cancellationToken) => throw new InvalidOperationException("not used");

        public Task<StartTransactionResult> StartTransactionAsync(string stationId, int evseId, string idToken, int remoteStartId, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("not used");

        public Task<bool> StopTransactionAsync(string stationId, string transactionId, CancellationToken cancellationToken) => throw new InvalidOperationException("not used");

        public Task<int> ReservePowerAsync(string facilityId, PowerRequest request, CancellationToken cancellationToken) => throw new InvalidOperationException("not used");

        public Task ReleasePowerAsync(string facilityId, string sessionId, CancellationToken cancellationToken) => throw new InvalidOperationException("not used");

        public Task<IReadOnlyList<TransactionEventReading>> ReadTransactionEventsAsync(string stationId, string transactionId, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("not used");
    }
}
