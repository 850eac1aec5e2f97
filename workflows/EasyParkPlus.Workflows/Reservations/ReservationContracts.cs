using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Reservations;
using EasyParkPlus.Workflows.Parking;

namespace EasyParkPlus.Workflows.Reservations;

public static class ReservationWorkflowIds
{
    public static string ForReservation(Guid reservationId) => $"reservation-{reservationId}";
}

// Policy null: ReservationPolicy.Default (15-minute arrival grace; 100% / 50% / 0% refunds).
public sealed record ReservationInput(
    Guid ReservationId, Guid CustomerId, string FacilityId, SpaceType SpaceType, DateTimeOffset SlotStart, DateTimeOffset SlotEnd, string? Plate = null)
{
    public ReservationPolicy? Policy { get; init; }

    // Passed on to the parking session the arrival starts.
    public ParkingSessionSettings? ParkingSettings { get; init; }

    // How long after the arrival deadline a gate's offline buffer may still deliver an entry from before it (by device
    // time), which then fulfils the reservation. Null in runs started before this existed: they end at the deadline.
    public TimeSpan? LateEntryWindow { get; init; }
}

// Signal VehicleArrived (gate entry for a reserved car): starts the parking session parking-{SessionId}. ArrivedAt is the
// gate's device time (the arrival when the gateway did not trust its clock); an arrival after the deadline is not this
// reservation's.
public sealed record ReservationArrival(Guid SessionId, string Plate, DateTimeOffset ArrivedAt, string? GateId)
{
    // From a gate: when the gateway received the event, and the gate's clock when it was not trusted (ArrivedAt is then
    // the arrival); both are handed to the parking session.
    public DateTimeOffset? ReceivedAt { get; init; }

    public DeviceClockFlag? EntryClock { get; init; }
}

// Signal Cancel.
public sealed record ReservationCancellation(string? Reason);

// Workflow.Patched ids of deliberate changes to the Reservation workflow; a running reservation keeps the path it
// started on. Remove a branch only once no run recorded before it can still be replayed.
public static class ReservationPatches
{
    public const string NoShowRecordedFirst = "reservation-no-show-recorded-first";
}

public static class ReservationStates
{
    public const string Holding = "Holding";
    public const string Prepaying = "Prepaying";
    public const string Booked = "Booked";
    public const string Fulfilled = "Fulfilled";
    public const string NoShow = "NoShow";
    public const string Cancelled = "Cancelled";
    public const string Rejected = "Rejected";
}

public sealed record ReservationStatusView(
    string State, Guid ReservationId, string FacilityId, SpaceType SpaceType, DateTimeOffset SlotStart, DateTimeOffset SlotEnd,
    DateTimeOffset ArrivalDeadline, long PrepaidCents, long RefundedCents, string? ParkingWorkflowId, string? Reason);

public enum ReservationOutcome
{
    Fulfilled,
    NoShow,
    Cancelled,
    Rejected,
}

public sealed record ReservationResult(
    ReservationOutcome Outcome, long PrepaidCents, long RefundedCents, int RefundPercent, string? ParkingWorkflowId, string? Reason);

// ----- activity payloads

public sealed record CapacityHoldRequest(
    Guid ReservationId, string WorkflowId, Guid CustomerId, string FacilityId, SpaceType SpaceType, string? Plate,
    DateTimeOffset SlotStart, DateTimeOffset SlotEnd, DateTimeOffset BookedAt);

public sealed record CapacityHoldAnswer(bool Held, string? DenialReason);

public sealed record ReservationUpdate(
    Guid ReservationId, ReservationStatus Status, long PrepaidCents, long RefundedCents, Guid? ParkingSessionId, DateTimeOffset? CancelledAt);
