using Temporalio.Activities;

namespace EasyParkPlus.Workflows.Reservations;

public interface IReservationActivities
{
    // Records the reservation and promises capacity for its slot (SpaceAllocator holds); idempotent per reservation.
    [Activity("Reservation.HoldCapacity")]
    Task<CapacityHoldAnswer> HoldCapacityAsync(CapacityHoldRequest request);

    // Gives the slot's capacity (or its promoted space) back; a second call is a no-op.
    [Activity("Reservation.ReleaseHold")]
    Task ReleaseHoldAsync(Guid reservationId);

    [Activity("Reservation.Update")]
    Task UpdateReservationAsync(ReservationUpdate update);
}
