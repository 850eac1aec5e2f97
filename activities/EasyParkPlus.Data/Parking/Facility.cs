using EasyParkPlus.Data.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Parking;

public class Facility
{
    // The short facility code ("BOS", "PHL") is the key: it appears in workflow ids and station ids.
    public required string Id { get; set; }

    public required string Name { get; set; }

    public required string City { get; set; }

    public required string TimeZone { get; set; }

    public required string Address { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public List<Level> Levels { get; } = [];
}

internal sealed class FacilityConfiguration : IEntityTypeConfiguration<Facility>
{
    public void Configure(EntityTypeBuilder<Facility> builder)
    {
        builder.ToTable("facilities", Schemas.Parking, table => table.HasColumnCheck("id", "id ~ '^[A-Z]{3}$'"));
        // A facility is retired, never deleted: its levels, spaces and sessions (billed history) keep it.
        builder.HasMany(facility => facility.Levels).WithOne().HasForeignKey(level => level.FacilityId).OnDelete(DeleteBehavior.NoAction);
    }
}
