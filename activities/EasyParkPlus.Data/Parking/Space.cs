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
        builder.ToTable("spaces", Schemas.Parking);
        builder.HasIndex(space => new { space.FacilityId, space.Label }).IsUnique();
        builder.HasIndex(space => space.ParkingSessionId).IsUnique().HasFilter("parking_session_id IS NOT NULL");
        builder.HasIndex(space => space.ReservationId).IsUnique().HasFilter("reservation_id IS NOT NULL");
        builder.HasOne<Facility>().WithMany().HasForeignKey(space => space.FacilityId);
        builder.HasOne<Level>().WithMany().HasForeignKey(space => space.LevelId);
        builder.Property(space => space.StatusChangedAt).HasDefaultValueSql("now()");
        builder.Property(space => space.Version).IsXminVersion();
    }
}
