using EasyParkPlus.Data.Storage;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Reservations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Reservations;

public class Reservation
{
    public Guid Id { get; set; }

    public required string WorkflowId { get; set; }

    public Guid CustomerId { get; set; }

    public required string FacilityId { get; set; }

    public SpaceType SpaceType { get; set; }

    public string? Plate { get; set; }

    public DateTimeOffset SlotStart { get; set; }

    public DateTimeOffset SlotEnd { get; set; }

    public ReservationStatus Status { get; set; }

    public Money Prepaid { get; set; }

    public Money Refunded { get; set; }

    public Guid? ParkingSessionId { get; set; }

    public DateTimeOffset? CancelledAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public uint Version { get; set; }
}

internal sealed class ReservationConfiguration : IEntityTypeConfiguration<Reservation>
{
    public void Configure(EntityTypeBuilder<Reservation> builder)
    {
        builder.ToTable("reservations", Schemas.Reservation, table =>
        {
            table.HasEnumCheck<SpaceType>("space_type");
            table.HasColumnCheck("plate", "plate ~ '^[A-Z0-9]{1,12}$'");
            table.HasEnumCheck<ReservationStatus>("status");
            table.HasColumnCheck("prepaid_cents", "prepaid_cents >= 0");
            table.HasColumnCheck("refunded_cents", "refunded_cents >= 0");
            table.HasCheckConstraint("ck_reservations_slot", "slot_end > slot_start");
            table.HasCheckConstraint("ck_reservations_refund", "refunded_cents <= prepaid_cents");
        });
        builder.Property(reservation => reservation.Id).ValueGeneratedNever();
        builder.Property(reservation => reservation.Prepaid).HasDefaultValueSql("0");
        builder.Property(reservation => reservation.Refunded).HasDefaultValueSql("0");
        builder.HasIndex(reservation => reservation.WorkflowId).IsUnique();
        builder.HasIndex(reservation => new { reservation.CustomerId, reservation.SlotStart }).IsDescending(false, true);
        builder.HasIndex(reservation => new { reservation.FacilityId, reservation.SlotStart });
        builder.Property(reservation => reservation.Version).IsXminVersion();
    }
}
