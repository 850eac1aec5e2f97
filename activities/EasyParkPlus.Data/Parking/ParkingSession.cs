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
        builder.ToTable("parking_sessions", Schemas.Parking);
        builder.Property(session => session.Id).ValueGeneratedNever();
        builder.HasIndex(session => session.WorkflowId).IsUnique();
        builder.HasIndex(session => new { session.FacilityId, session.Status });
        builder.HasOne<Facility>().WithMany().HasForeignKey(session => session.FacilityId);
        builder.HasOne<Space>().WithMany().HasForeignKey(session => session.SpaceId);
        builder.Property(session => session.Version).IsXminVersion();
    }
}
