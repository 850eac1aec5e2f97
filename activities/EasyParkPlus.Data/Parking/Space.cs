using EasyParkPlus.Data.Storage;
using EasyParkPlus.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Parking;

public enum SpaceStatus
{
    Available,
    Occupied,
    Reserved,
    Maintenance,
}

// Status changes go through SpaceAllocator (it keeps allocation atomic); operators may set or
// clear Maintenance through EF, guarded by the row version.
public class Space
{
    public Guid Id { get; set; }

    public required string FacilityId { get; set; }

    public Guid LevelId { get; set; }

    // "L1-042": level number and a three-digit position, unique within the facility.
    public required string Label { get; set; }

    public SpaceType SpaceType { get; set; }

    public SpaceStatus Status { get; set; }

    public Guid? ParkingSessionId { get; set; }

    public Guid? ReservationId { get; set; }

    public DateTimeOffset StatusChangedAt { get; set; }

    public uint Version { get; set; }
}

internal sealed class SpaceConfiguration : IEntityTypeConfiguration<Space>
{
    public void Configure(EntityTypeBuilder<Space> builder)
    {
        builder.ToTable("spaces", Schemas.Parking, table =>
        {
            table.HasEnumCheck<SpaceType>("space_type");
            table.HasEnumCheck<SpaceStatus>("status");
            // Who holds the space matches its status; SpaceAllocator relies on it.
            table.HasCheckConstraint("ck_spaces_holder", """
                (status = 'occupied' AND parking_session_id IS NOT NULL)
                OR (status = 'reserved' AND reservation_id IS NOT NULL AND parking_session_id IS NULL)
                OR (status IN ('available', 'maintenance') AND parking_session_id IS NULL AND reservation_id IS NULL)
                """);
        });
        builder.Property(space => space.Id).HasDefaultValueSql("gen_random_uuid()");
        builder.Property(space => space.Status).HasDefaultValueSql("'available'");
        builder.HasIndex(space => new { space.FacilityId, space.Label }).IsUnique();
        builder.HasIndex(space => space.ParkingSessionId).IsUnique().HasFilter("parking_session_id IS NOT NULL");
        builder.HasIndex(space => space.ReservationId).IsUnique().HasFilter("reservation_id IS NOT NULL");
        builder.HasIndex(space => new { space.FacilityId, space.SpaceType, space.Status });
        // Spaces go with neither their facility nor their level: sessions point at them.
        builder.HasOne<Facility>().WithMany().HasForeignKey(space => space.FacilityId).OnDelete(DeleteBehavior.NoAction);
        builder.HasOne<Level>().WithMany().HasForeignKey(space => space.LevelId).OnDelete(DeleteBehavior.NoAction);
        builder.Property(space => space.StatusChangedAt).HasDefaultValueSql("now()");
        builder.Property(space => space.Version).IsXminVersion();
    }
}
