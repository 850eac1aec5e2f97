using EasyParkPlus.Data.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Charging;

// A charging station as OCPP knows it: `StationId` is its identity on the WebSocket
// ("BOS-CH-01"); vendor, model, serial and firmware come from its BootNotification.
public class Charger
{
    public Guid Id { get; set; }

    public required string StationId { get; set; }

    public required string FacilityId { get; set; }

    public string? Vendor { get; set; }

    public string? Model { get; set; }

    public string? SerialNumber { get; set; }

    public string? FirmwareVersion { get; set; }

    public int MaxPowerW { get; set; }

    public DateTimeOffset? LastBootAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public List<Evse> Evses { get; } = [];
}

public class Evse
{
    public Guid Id { get; set; }

    public Guid ChargerId { get; set; }

    // OCPP evseId, 1-based within the station.
    public int EvseNumber { get; set; }

    // The parking space (parking.spaces) this EVSE's cable reaches, when known.
    public Guid? SpaceId { get; set; }

    public int MaxPowerW { get; set; }

    public List<Connector> Connectors { get; } = [];
}

public class Connector
{
    public Guid Id { get; set; }

    public Guid EvseId { get; set; }

    // OCPP connectorId, 1-based within the EVSE.
    public int ConnectorNumber { get; set; }

    // OCPP ConnectorEnumType value, e.g. "cCCS1".
    public required string ConnectorType { get; set; }
}

internal sealed class ChargerConfiguration : IEntityTypeConfiguration<Charger>
{
    public void Configure(EntityTypeBuilder<Charger> builder)
    {
        builder.ToTable("chargers", Schemas.Charging, table => table.HasColumnCheck("max_power_w", "max_power_w > 0"));
        builder.Property(charger => charger.Id).HasDefaultValueSql("gen_random_uuid()");
        builder.HasIndex(charger => charger.StationId).IsUnique();
        builder.HasIndex(charger => charger.FacilityId);
        // An EVSE is part of its station's hardware and means nothing without it.
        builder.HasMany(charger => charger.Evses).WithOne().HasForeignKey(evse => evse.ChargerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class EvseConfiguration : IEntityTypeConfiguration<Evse>
{
    public void Configure(EntityTypeBuilder<Evse> builder)
    {
        builder.ToTable("evses", Schemas.Charging, table =>
        {
            table.HasColumnCheck("evse_number", "evse_number > 0");
            table.HasColumnCheck("max_power_w", "max_power_w > 0");
        });
        builder.Property(evse => evse.Id).HasDefaultValueSql("gen_random_uuid()");
        builder.HasIndex(evse => new { evse.ChargerId, evse.EvseNumber }).IsUnique();
        // A connector is part of its EVSE and means nothing without it.
        builder.HasMany(evse => evse.Connectors).WithOne().HasForeignKey(connector => connector.EvseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ConnectorConfiguration : IEntityTypeConfiguration<Connector>
{
    public void Configure(EntityTypeBuilder<Connector> builder)
    {
        builder.ToTable("connectors", Schemas.Charging, table => table.HasColumnCheck("connector_number", "connector_number > 0"));
        builder.Property(connector => connector.Id).HasDefaultValueSql("gen_random_uuid()");
        builder.HasIndex(connector => new { connector.EvseId, connector.ConnectorNumber }).IsUnique();
    }
}
