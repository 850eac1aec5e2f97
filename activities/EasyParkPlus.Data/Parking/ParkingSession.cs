using EasyParkPlus.Data.Storage;
using EasyParkPlus.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Parking;

public enum ParkingSessionStatus
{
    Active,
    Exited,
    Completed,
    PaymentFailed,
    Cancelled,
}

// One row per parking-session workflow. `*DeviceAt` are the gate's own timestamps (billing
// truth); `*ReceivedAt` are when the event reached us, kept to spot implausible device clocks.
public class ParkingSession
{
    public Guid Id { get; set; }

    public required string WorkflowId { get; set; }

    public required string FacilityId { get; set; }

    public required string Plate { get; set; }

    public SpaceType SpaceType { get; set; }

    public Guid? SpaceId { get; set; }

    public Guid? VehicleId { get; set; }

    public Guid? CustomerId { get; set; }

    public Guid? ReservationId { get; set; }

    public Guid? SubscriptionId { get; set; }

    public ParkingSessionStatus Status { get; set; }

    public DateTimeOffset EntryDeviceAt { get; set; }

    public DateTimeOffset EntryReceivedAt { get; set; }

    public DateTimeOffset? ExitDeviceAt { get; set; }

    public DateTimeOffset? ExitReceivedAt { get; set; }

    public Money Price { get; set; }

    public Money PrepaidCredit { get; set; }

    public Money AmountDue { get; set; }

    public Money AmountPaid { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public uint Version { get; set; }
}

internal sealed class ParkingSessionConfiguration : IEntityTypeConfiguration<ParkingSession>
{
    public void Configure(EntityTypeBuilder<ParkingSession> builder)
    {
        builder.ToTable("parking_sessions", Schemas.Parking, table =>
        {
            table.HasColumnCheck("plate", "plate ~ '^[A-Z0-9]{1,12}$'");
            table.HasEnumCheck<SpaceType>("space_type");
            table.HasEnumCheck<ParkingSessionStatus>("status");
        });
        builder.Property(session => session.Id).ValueGeneratedNever();
        builder.Property(session => session.Price).HasDefaultValueSql("0");
        builder.Property(session => session.PrepaidCredit).HasDefaultValueSql("0");
        builder.Property(session => session.AmountDue).HasDefaultValueSql("0");
        builder.Property(session => session.AmountPaid).HasDefaultValueSql("0");
        builder.HasIndex(session => session.WorkflowId).IsUnique();
        builder.HasIndex(session => new { session.FacilityId, session.Status });
        builder.HasIndex(session => new { session.Plate, session.EntryDeviceAt }).IsDescending(false, true);
        builder.HasIndex(session => session.CustomerId).HasFilter("customer_id IS NOT NULL");
        // A session is billed history: neither its facility nor the space it used may take it away.
        builder.HasOne<Facility>().WithMany().HasForeignKey(session => session.FacilityId).OnDelete(DeleteBehavior.NoAction);
        builder.HasOne<Space>().WithMany().HasForeignKey(session => session.SpaceId).OnDelete(DeleteBehavior.NoAction);
        builder.Property(session => session.Version).IsXminVersion();
    }
}
