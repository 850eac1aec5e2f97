using EasyParkPlus.Data.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Accounts;

public enum FuelType
{
    Ice,
    Ev,
}

public enum VehicleKind
{
    Car,
    Motorcycle,
    Van,
    Truck,
}

public class Vehicle
{
    public Guid Id { get; set; }

    public Guid CustomerId { get; set; }

    // Normalised with Domain.LicensePlate.Normalize (upper-case letters and digits only).
    public required string Plate { get; set; }

    public FuelType Fuel { get; set; }

    public VehicleKind Kind { get; set; }

    public string? Nickname { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class VehicleConfiguration : IEntityTypeConfiguration<Vehicle>
{
    public void Configure(EntityTypeBuilder<Vehicle> builder)
    {
        builder.ToTable("vehicles", Schemas.Accounts, table =>
        {
            table.HasColumnCheck("plate", "plate ~ '^[A-Z0-9]{1,12}$'");
            table.HasEnumCheck<FuelType>("fuel");
            table.HasEnumCheck<VehicleKind>("kind");
        });
        builder.Property(vehicle => vehicle.Id).ValueGeneratedNever();
        builder.HasIndex(vehicle => new { vehicle.CustomerId, vehicle.Plate }).IsUnique();
        builder.HasIndex(vehicle => vehicle.Plate);
    }
}
