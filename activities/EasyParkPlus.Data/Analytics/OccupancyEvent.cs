using EasyParkPlus.Data.Storage;
using EasyParkPlus.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Analytics;

public enum OccupancyEventKind
{
    Occupied,
    Vacated,
}

// Written by SpaceAllocator in the same transaction as the space change; unique per (session,
// kind), so a retried allocation or release never counts a car twice.
public class OccupancyEvent
{
    public long Id { get; set; }

    public required string FacilityId { get; set; }

    public Guid? SpaceId { get; set; }

    public SpaceType SpaceType { get; set; }

    public Guid ParkingSessionId { get; set; }

    public OccupancyEventKind Kind { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public DateTimeOffset RecordedAt { get; set; }
}

internal sealed class OccupancyEventConfiguration : IEntityTypeConfiguration<OccupancyEvent>
{
    public void Configure(EntityTypeBuilder<OccupancyEvent> builder)
    {
        builder.ToTable("occupancy_events", Schemas.Analytics, table =>
        {
            table.HasEnumCheck<SpaceType>("space_type");
            table.HasEnumCheck<OccupancyEventKind>("kind");
        });
        builder.HasIndex(occupancy => new { occupancy.ParkingSessionId, occupancy.Kind }).IsUnique();
        builder.HasIndex(occupancy => new { occupancy.FacilityId, occupancy.OccurredAt });
        builder.Property(occupancy => occupancy.RecordedAt).HasDefaultValueSql("now()");
    }
}
