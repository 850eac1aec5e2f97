using EasyParkPlus.Data.Accounts;
using EasyParkPlus.Data.Billing;
using EasyParkPlus.Data.Charging;
using EasyParkPlus.Data.Parking;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Charging;
using EasyParkPlus.Domain.Pricing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EasyParkPlus.Activities.Tests.Data;

public class DataModelTests
{
    private static readonly DateTimeOffset Entry = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task SaveChanges_AggregatesWithMoneyEnumsAndLines_RoundTripThroughPostgres()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions());
        var customerId = Guid.NewGuid();
        var invoiceId = Guid.NewGuid();
        var price = ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromHours(30), ParkingTariff.Default);
        await using (var context = database.CreateContext())
        {
            var customer = new Customer { Id = customerId, Email = Customer.NormalizeEmail(" Dana@Example.com "), Name = "Dana", Role = CustomerRole.Driver };
            customer.Vehicles.Add(new Vehicle { Id = Guid.NewGuid(), Plate = LicensePlate.Normalize("ev-123"), Fuel = FuelType.Ev, Kind = VehicleKind.Car });
            customer.PaymentMethods.Add(new PaymentMethod
            {
                Id = Guid.NewGuid(),
                StripeCustomerId = "cus_1",
                StripePaymentMethodId = "pm_1",
                Brand = "visa",
                Last4 = "4242",
                IsDefault = true,
            });
            context.Customers.Add(customer);
            var invoice = new Invoice
            {
                Id = invoiceId,
                SourceWorkflowId = "parking-1",
                Kind = InvoiceKind.Parking,
                CustomerId = customerId,
                FacilityId = FacilityCodes.Boston,
                Status = InvoiceStatus.Open,
                IssuedAt = Entry,
            };
            invoice.SetLines(price);
            context.Invoices.Add(invoice);
            context.Receipts.Add(new Receipt { Id = Guid.NewGuid(), InvoiceId = invoiceId, Total = price.Total, IssuedAt = Entry });
            await context.SaveChangesAsync();
        }

        await using (var context = database.CreateContext())
        {
            var customer = await context.Customers.Include(c => c.Vehicles).Include(c => c.PaymentMethods).SingleAsync(c => c.Id == customerId);
            customer.Email.Should().Be("dana@example.com");
            (customer.Vehicles.Single().Plate, customer.Vehicles.Single().Fuel).Should().Be(("EV123", FuelType.Ev));
            customer.CreatedAt.Should().NotBe(default);
            var invoice = await context.Invoices.Include(i => i.LineItems).SingleAsync(i => i.Id == invoiceId);
            invoice.Total.Should().Be(Money.FromDollars(60));
            invoice.LineItems.OrderBy(line => line.Position).Select(line => (line.Code, line.Quantity, line.Amount)).Should().Equal(price.Lines.Select(line => (line.Code, line.Quantity, line.Amount)));
            ((await context.Receipts.SingleAsync()).Number > 0).Should().BeTrue();
        }
        (await database.ScalarAsync<long>("SELECT total_cents FROM billing.invoices")).Should().Be(6000L);
        (await database.ScalarAsync<string>("SELECT kind FROM billing.invoices")).Should().Be("parking");
    }

    [Fact]
    public async Task SaveChanges_ChargingStateEvents_StoreOcppStatesAsSnakeCaseAndFeedTheIdleClock()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions { ChargersPerFacility = 1 });
        await using var context = database.CreateContext();
        var charger = await context.Chargers.Include(c => c.Evses).SingleAsync(c => c.StationId == "BOS-CH-01");
        var session = new ChargingSession
        {
            Id = Guid.NewGuid(),
            WorkflowId = "charging-BOS-CH-01-tx1",
            ChargerId = charger.Id,
            EvseId = charger.Evses[0].Id,
            TransactionId = "tx1",
            Status = ChargingSessionStatus.Active,
            StartedDeviceAt = Entry,
            StartedReceivedAt = Entry,
        };
        context.ChargingSessions.Add(session);
        context.ChargingStateEvents.AddRange(
            new ChargingStateEvent { ChargingSessionId = session.Id, SeqNo = 0, DeviceAt = Entry, ReceivedAt = Entry, State = ChargingState.Charging },
            new ChargingStateEvent { ChargingSessionId = session.Id, SeqNo = 1, DeviceAt = Entry.AddMinutes(50), ReceivedAt = Entry.AddMinutes(50), State = ChargingState.SuspendedEV },
            new ChargingStateEvent { ChargingSessionId = session.Id, SeqNo = 2, DeviceAt = Entry.AddMinutes(55), ReceivedAt = Entry.AddMinutes(55), State = ChargingState.EVConnected });
        await context.SaveChangesAsync();

        var states = await context.ChargingStateEvents.Where(e => e.ChargingSessionId == session.Id).Select(e => e.ToChange()).ToListAsync();
        var idle = IdleClock.Measure(states, Entry.AddMinutes(62));

        idle.Total.Should().Be(TimeSpan.FromMinutes(12));
        (await database.ScalarAsync<string>("SELECT string_agg(state, ',' ORDER BY seq_no) FROM charging.charging_state_events")).Should().Be("charging,suspended_ev,ev_connected");
    }

    [Fact]
    public async Task SaveChanges_ConcurrentEditsOfOneRow_SecondFailsOnTheRowVersion()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions());
        var id = Guid.NewGuid();
        await using (var context = database.CreateContext())
        {
            context.ParkingSessions.Add(new ParkingSession
            {
                Id = id,
                WorkflowId = "parking-x",
                FacilityId = FacilityCodes.Boston,
                Plate = "ABC123",
                SpaceType = SpaceType.Regular,
                Status = ParkingSessionStatus.Active,
                EntryDeviceAt = Entry,
                EntryReceivedAt = Entry,
            });
            await context.SaveChangesAsync();
        }
        await using var first = database.CreateContext();
        await using var second = database.CreateContext();
        var a = await first.ParkingSessions.SingleAsync(s => s.Id == id);
        var b = await second.ParkingSessions.SingleAsync(s => s.Id == id);

        a.Status = ParkingSessionStatus.Exited;
        a.AmountDue = Money.FromDollars(14);
        await first.SaveChangesAsync();
        b.Status = ParkingSessionStatus.Cancelled;

        await FluentActions.Awaiting(() => second.SaveChangesAsync()).Should().ThrowExactlyAsync<DbUpdateConcurrencyException>();
        (await database.ScalarAsync<string>("SELECT status FROM parking.parking_sessions")).Should().Be("exited");
        (await database.ScalarAsync<long>("SELECT amount_due_cents FROM parking.parking_sessions")).Should().Be(1400L);
    }

    [Fact]
    public async Task SaveChanges_SecondInvoiceForTheSameWorkflowAndKind_IsRejectedByTheUniqueKey()
    {
        await using var database = await DataTestDatabase.CreateAsync();
        Invoice NewInvoice(string reference) => new()
        {
            Id = Guid.NewGuid(),
            SourceWorkflowId = "subscription-7",
            Kind = InvoiceKind.Subscription,
            Reference = reference,
            Total = Money.FromDollars(250),
            Status = InvoiceStatus.Open,
            IssuedAt = Entry,
        };
        await using (var context = database.CreateContext())
        {
            context.Invoices.AddRange(NewInvoice("2026-11"), NewInvoice("2026-12"));
            await context.SaveChangesAsync();
        }

        await using var retry = database.CreateContext();
        retry.Invoices.Add(NewInvoice("2026-12"));
        var error = (await FluentActions.Awaiting(() => retry.SaveChangesAsync()).Should().ThrowExactlyAsync<DbUpdateException>()).Which;

        (error.InnerException.Should().BeOfType<PostgresException>().Which.SqlState).Should().Be(PostgresErrorCodes.UniqueViolation);
    }
}
