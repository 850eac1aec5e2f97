using EasyParkPlus.Data.Storage;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Charging;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Charging;

public enum ChargingSessionStatus
{
    Active,
    Completed,
    Failed,
}

// One row per charging-session workflow, keyed for OCPP by (charger, transaction id).
public class ChargingSession
{
    public Guid Id { get; set; }

    public required string WorkflowId { get; set; }

    public Guid ChargerId { get; set; }

    public Guid EvseId { get; set; }

    public int? ConnectorNumber { get; set; }

    public required string TransactionId { get; set; }

    public Guid? CustomerId { get; set; }

    public Guid? ParkingSessionId { get; set; }

    public ChargingSessionStatus Status { get; set; }

    public DateTimeOffset StartedDeviceAt { get; set; }

    public DateTimeOffset StartedReceivedAt { get; set; }

    public DateTimeOffset? EndedDeviceAt { get; set; }

    public DateTimeOffset? EndedReceivedAt { get; set; }

    public long? MeterStartWh { get; set; }

    public long? MeterStopWh { get; set; }

    public long EnergyWh { get; set; }

    public long IdleSeconds { get; set; }

    public long BilledIdleMinutes { get; set; }

    public Money SessionFee { get; set; }

    public Money EnergyCharge { get; set; }

    public Money IdleFee { get; set; }

    public Money Total { get; set; }

    public string? StopReason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public uint Version { get; set; }
}

// A cumulative meter reading (Energy.Active.Import.Register) with the charger's timestamp.
public class EnergyReading
{
    public long Id { get; set; }

    public Guid ChargingSessionId { get; set; }

    public int SeqNo { get; set; }

    public DateTimeOffset DeviceAt { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    public long EnergyWh { get; set; }

    public int? PowerW { get; set; }
}

// A TransactionEvent's chargingState; the input of the idle clock.
public class ChargingStateEvent
{
    public long Id { get; set; }

    public Guid ChargingSessionId { get; set; }

    public int SeqNo { get; set; }

    public DateTimeOffset DeviceAt { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    public ChargingState State { get; set; }

    public ChargingStateChange ToChange() => new(DeviceAt, State);
}

internal sealed class ChargingSessionConfiguration : IEntityTypeConfiguration<ChargingSession>
{
    public void Configure(EntityTypeBuilder<ChargingSession> builder)
    {
        builder.ToTable("charging_sessions", Schemas.Charging, table =>
        {
            table.HasEnumCheck<ChargingSessionStatus>("status");
            table.HasColumnCheck("energy_wh", "energy_wh >= 0");
            table.HasColumnCheck("idle_seconds", "idle_seconds >= 0");
            table.HasColumnCheck("billed_idle_minutes", "billed_idle_minutes >= 0");
        });
        builder.Property(session => session.Id).ValueGeneratedNever();
        builder.Property(session => session.EnergyWh).HasDefaultValueSql("0");
        builder.Property(session => session.IdleSeconds).HasDefaultValueSql("0");
        builder.Property(session => session.BilledIdleMinutes).HasDefaultValueSql("0");
        builder.Property(session => session.SessionFee).HasDefaultValueSql("0");
        builder.Property(session => session.EnergyCharge).HasDefaultValueSql("0");
        builder.Property(session => session.IdleFee).HasDefaultValueSql("0");
        builder.Property(session => session.Total).HasDefaultValueSql("0");
        builder.HasIndex(session => session.WorkflowId).IsUnique();
        builder.HasIndex(session => new { session.ChargerId, session.TransactionId }).IsUnique();
        builder.HasIndex(session => session.Status).HasFilter("status = 'active'");
        // A session is billed history: removing a station or an EVSE must not delete what was charged on it.
        builder.HasOne<Charger>().WithMany().HasForeignKey(session => session.ChargerId).OnDelete(DeleteBehavior.NoAction);
        builder.HasOne<Evse>().WithMany().HasForeignKey(session => session.EvseId).OnDelete(DeleteBehavior.NoAction);
        builder.Property(session => session.Version).IsXminVersion();
    }
}

internal sealed class EnergyReadingConfiguration : IEntityTypeConfiguration<EnergyReading>
{
    public void Configure(EntityTypeBuilder<EnergyReading> builder)
    {
        builder.ToTable("energy_readings", Schemas.Charging, table => table.HasColumnCheck("energy_wh", "energy_wh >= 0"));
        builder.HasIndex(reading => new { reading.ChargingSessionId, reading.SeqNo, reading.DeviceAt }).IsUnique();
        // Readings are the session's own detail and mean nothing without it.
        builder.HasOne<ChargingSession>().WithMany().HasForeignKey(reading => reading.ChargingSessionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ChargingStateEventConfiguration : IEntityTypeConfiguration<ChargingStateEvent>
{
    public void Configure(EntityTypeBuilder<ChargingStateEvent> builder)
    {
        builder.ToTable("charging_state_events", Schemas.Charging, table => table.HasEnumCheck<ChargingState>("state"));
        builder.HasIndex(change => new { change.ChargingSessionId, change.SeqNo }).IsUnique();
        // State changes are the session's own detail and mean nothing without it.
        builder.HasOne<ChargingSession>().WithMany().HasForeignKey(change => change.ChargingSessionId).OnDelete(DeleteBehavior.Cascade);
    }
}
