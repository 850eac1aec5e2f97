using EasyParkPlus.Data;
using EasyParkPlus.Data.Parking;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Reservations;
using EasyParkPlus.Workflows.Reservations;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using ReservationRow = EasyParkPlus.Data.Reservations.Reservation;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace EasyParkPlus.Activities.Reservations;

public sealed class ReservationActivities(EasyParkDbContext db, SpaceAllocator allocator, TimeProvider time) : IReservationActivities
{
    [Activity("Reservation.HoldCapacity")]
    public async Task<CapacityHoldAnswer> HoldCapacityAsync(CapacityHoldRequest request)
    {
        string? plate = null;
        if (request.Plate is { } raw && !LicensePlate.TryNormalize(raw, out plate))
        {
            return new CapacityHoldAnswer(false, $"'{raw}' is not a licence plate.");
        }
        if (!await db.Reservations.AnyAsync(r => r.Id == request.ReservationId, CancellationToken))
        {
            db.Reservations.Add(new ReservationRow
            {
                Id = request.ReservationId,
                WorkflowId = request.WorkflowId,
                CustomerId = request.CustomerId,
                FacilityId = request.FacilityId,
                SpaceType = request.SpaceType,
                Plate = plate,
                SlotStart = request.SlotStart,
                SlotEnd = request.SlotEnd,
                Status = ReservationStatus.Booked,
            });
            try
            {
                await db.SaveChangesAsync(CancellationToken);
            }
            catch (DbUpdateException error) when (error.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                db.ChangeTracker.Clear();
            }
        }
        var hold = await allocator.HoldAsync(
            request.ReservationId, request.FacilityId, request.SpaceType, request.SlotStart, request.SlotEnd, request.BookedAt, CancellationToken);
        return new CapacityHoldAnswer(hold.IsHeld, hold.IsHeld ? null : hold.DenialReason ?? "No space of that type is free for the slot.");
    }

    [Activity("Reservation.ReleaseHold")]
    public Task ReleaseHoldAsync(Guid reservationId) => allocator.ReleaseHoldAsync(reservationId, CancellationToken);

    [Activity("Reservation.Update")]
    public async Task UpdateReservationAsync(ReservationUpdate update)
    {
        var reservation = await db.Reservations.SingleOrDefaultAsync(r => r.Id == update.ReservationId, CancellationToken)
            ?? throw new ApplicationFailureException($"Reservation {update.ReservationId} was never recorded.", "ReservationNotFound", nonRetryable: true);
        reservation.Status = update.Status;
        reservation.Prepaid = Money.FromCents(update.PrepaidCents);
        reservation.Refunded = Money.FromCents(update.RefundedCents);
        reservation.ParkingSessionId = update.ParkingSessionId ?? reservation.ParkingSessionId;
        reservation.CancelledAt = update.CancelledAt ?? reservation.CancelledAt;
        reservation.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(CancellationToken);
    }

    private static CancellationToken CancellationToken =>
        ActivityExecutionContext.HasCurrent ? ActivityExecutionContext.Current.CancellationToken : default;
}
