using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Parking;

public class Level
{
    public Guid Id { get; set; }

    public required string FacilityId { get; set; }

    public int Number { get; set; }

    public required string Name { get; set; }
}

internal sealed class LevelConfiguration : IEntityTypeConfiguration<Level>
{
    public void Configure(EntityTypeBuilder<Level> builder)
    {
        builder.ToTable("levels", Schemas.Parking);
        builder.Property(level => level.Id).HasDefaultValueSql("gen_random_uuid()");
        builder.HasIndex(level => new { level.FacilityId, level.Number }).IsUnique();
    }
}
