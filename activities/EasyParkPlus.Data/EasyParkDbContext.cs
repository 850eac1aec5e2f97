using EasyParkPlus.Data.Accounts;
using EasyParkPlus.Data.Analytics;
using EasyParkPlus.Data.Billing;
using EasyParkPlus.Data.Charging;
using EasyParkPlus.Data.Parking;
using EasyParkPlus.Data.Reservations;
using EasyParkPlus.Data.Storage;
using EasyParkPlus.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace EasyParkPlus.Data;

// The schema itself comes from the SQL scripts in Migrations/ (EasyParkDatabase.MigrateAsync); this model
// declares all of it (columns, defaults, keys with their delete rules, every index, every CHECK), and
// SchemaDriftTests fail when the two differ.
public sealed class EasyParkDbContext(DbContextOptions<EasyParkDbContext> options) : DbContext(options)
{
    public DbSet<Facility> Facilities => Set<Facility>();

    public DbSet<Level> Levels => Set<Level>();

    public DbSet<Space> Spaces => Set<Space>();

    public DbSet<ParkingSession> ParkingSessions => Set<ParkingSession>();

    public DbSet<Reservation> Reservations => Set<Reservation>();

    public DbSet<CapacityHold> CapacityHolds => Set<CapacityHold>();

    public DbSet<Charger> Chargers => Set<Charger>();

    public DbSet<Evse> Evses => Set<Evse>();

    public DbSet<Connector> Connectors => Set<Connector>();

    public DbSet<ChargingSession> ChargingSessions => Set<ChargingSession>();

    public DbSet<EnergyReading> EnergyReadings => Set<EnergyReading>();

    public DbSet<ChargingStateEvent> ChargingStateEvents => Set<ChargingStateEvent>();

    public DbSet<Invoice> Invoices => Set<Invoice>();

    public DbSet<InvoiceLineItem> InvoiceLineItems => Set<InvoiceLineItem>();

    public DbSet<Payment> Payments => Set<Payment>();

    public DbSet<Refund> Refunds => Set<Refund>();

    public DbSet<Receipt> Receipts => Set<Receipt>();

    public DbSet<Plan> SubscriptionPlans => Set<Plan>();

    public DbSet<Subscription> Subscriptions => Set<Subscription>();

    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<PaymentMethod> PaymentMethods => Set<PaymentMethod>();

    public DbSet<Vehicle> Vehicles => Set<Vehicle>();

    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();

    public DbSet<AuthSession> AuthSessions => Set<AuthSession>();

    public DbSet<DeviceCredential> DeviceCredentials => Set<DeviceCredential>();

    public DbSet<OccupancyEvent> OccupancyEvents => Set<OccupancyEvent>();

    public DbSet<OperatorAlert> OperatorAlerts => Set<OperatorAlert>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<Money>().HaveConversion<MoneyConverter>();
        // Indexes are the ones the SQL migrations create, each declared in its configuration; EF's
        // index on every foreign key column would describe indexes the database does not have.
        configurationBuilder.Conventions.Remove<ForeignKeyIndexConvention>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(EasyParkDbContext).Assembly);
        StoreNaming.Apply(modelBuilder);
    }
}
