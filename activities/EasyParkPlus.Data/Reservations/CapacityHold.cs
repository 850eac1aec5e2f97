using EasyParkPlus.Data.Storage;
using EasyParkPlus.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Reservations;

public enum CapacityHoldStatus
{
    // Capacity is promised for the slot; no particular space yet.
    Held,

    // A concrete space is reserved for it (status "reserved").
    Promoted,

    // The reservation's parking session occupies the space.
    Consumed,

    // Cancelled or no-show: the capacity is free again.
    Released,
}

// Written only by SpaceAllocator; read it through EF for displays.
public class CapacityHold
{
    public Guid ReservationId { get; set; }

    public required string FacilityId { get; set; }

    public SpaceType SpaceType { get; set; }

    public DateTimeOffset SlotStart { get; set; }

    public DateTimeOffset SlotEnd { get; set; }

    public CapacityHoldStatus Status { get; set; }

    public Guid? SpaceId { get; set; }

    public Guid? ParkingSessionId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class CapacityHoldConfiguration : IEntityTypeConfiguration<CapacityHold>
{
    public void Configure(EntityTypeBuilder<CapacityHold> builder)
    {
        builder.ToTable("capacity_holds", Schemas.Reservation, table =>
        {
            table.HasEnumCheck<SpaceType>("space_type");
            table.HasEnumCheck<CapacityHoldStatus>("status");
            table.HasCheckConstraint("ck_capacity_holds_slot", "slot_end > slot_start");
        });
        builder.HasKey(hold => hold.ReservationId);
        builder.Property(hold => hold.ReservationId).ValueGeneratedNever();
        builder.HasIndex(hold => new { hold.FacilityId, hold.SpaceType, hold.SlotStart, hold.SlotEnd }).HasFilter("status <> 'released'");
    }
}
