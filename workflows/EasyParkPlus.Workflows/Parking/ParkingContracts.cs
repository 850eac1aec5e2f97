using EasyParkPlus.Domain;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Charging;

namespace EasyParkPlus.Workflows.Parking;

public static class ParkingWorkflowIds
{
    public const string TaskQueue = "easypark";

    public static string ForSession(Guid sessionId) => $"parking-{sessionId}";
}

// Limits an operator may tune per facility; the defaults suit both launch facilities.
public sealed record ParkingSessionSettings
{
    public static ParkingSessionSettings Default { get; } = new();

    // A car still inside after this long raises an operator alert (it may be abandoned).
    public TimeSpan OverstayLimit { get; init; } = TimeSpan.FromDays(3);

    // How long the exit waits for payment at the pay station before an operator is alerted.
    public TimeSpan PayStationTimeout { get; init; } = TimeSpan.FromMinutes(15);

    // A stay no longer than this is free; null uses the tariff's default.
    public TimeSpan? Grace { get; init; }

    // Settings handed to a ChargingSession started from this stay; null uses the charging defaults.
    public ChargingSessionSettings? Charging { get; init; }

    // Above this a stay is not charged without an operator's approval (issue 16); entry validation may say otherwise.
    public const long DefaultAutoChargeCeilingCents = 50_000;
}

// A gate clock the gateway did not trust: what the device said, when the event really arrived, and why (Reason is one
// of DeviceClockFlag.Ahead/Stale). The stay is timed from ReceivedAt instead and its charge waits for an operator.
public sealed record DeviceClockFlag(DateTimeOffset DeviceTime, DateTimeOffset ReceivedAt, string Reason)
{
    public const string Ahead = "ahead";
    public const string Stale = "stale";

    // Ahead: later than the arrival by more than a clock may drift. Stale: older than a controller can buffer
    // offline, so it cannot be a replayed event with its true time. Null when the device time is plausible.
    public static DeviceClockFlag? Judge(DateTimeOffset deviceTime, DateTimeOffset receivedAt, TimeSpan aheadTolerance, TimeSpan bufferHorizon) =>
        deviceTime > receivedAt + aheadTolerance ? new(deviceTime, receivedAt, Ahead)
        : deviceTime < receivedAt - bufferHorizon ? new(deviceTime, receivedAt, Stale)
        : null;

    public string Describe(string what) => Reason == Ahead
        ? $"the {what} gate's clock said {DeviceTime:u}, {(DeviceTime - ReceivedAt).TotalMinutes:0} minutes after the event arrived ({ReceivedAt:u})"
        : $"the {what} gate's clock said {DeviceTime:u}, {(ReceivedAt - DeviceTime).TotalHours:0} hours before the event arrived ({ReceivedAt:u})";
}

// EntryAt is the gate's own timestamp (device time is the billing truth), or the event's arrival when the gateway did
// not trust the gate's clock (EntryClock says so). EntryGateId is null when the driver started the session from the
// app. ReservationCreditCents is set by a Reservation workflow handing over; otherwise entry validation reads the
// prepayment of ReservationId.
public sealed record ParkingSessionInput(
    Guid SessionId, string FacilityId, string Plate, SpaceType SpaceType, DateTimeOffset EntryAt, string? EntryGateId,
    Guid? ReservationId = null, Guid? CustomerId = null)
{
    public long? ReservationCreditCents { get; init; }

    public ParkingSessionSettings? Settings { get; init; }

    // When the gateway received the entry event (null when started from the app).
    public DateTimeOffset? EntryReceivedAt { get; init; }

    public DeviceClockFlag? EntryClock { get; init; }
}

// Signal VehicleExited: ExitAt is the exit gate's device time, or the event's arrival when Clock says the gate's clock
// was not trusted. ReceivedAt is when the gateway received the event.
public sealed record VehicleExit(DateTimeOffset ExitAt, string? ExitGateId)
{
    public DateTimeOffset? ReceivedAt { get; init; }

    public DeviceClockFlag? Clock { get; init; }
}

// Signal ChargeReviewed: an operator's decision on a charge held for review. AmountCents null approves the amount the
// workflow proposed; otherwise it is the amount to bill (0 waives it). A negative amount is no decision and is ignored.
public sealed record ChargeReview(long? AmountCents, string? Note);

// Signal ChargingRequested: the driver parked in an EV space asks to charge at one of the facility's
// chargers (the api checks that the station belongs to the facility before it signals).
public sealed record ChargingRequest(string StationId, int EvseId);

// Answer of the QuoteExit update: what the stay costs as the workflow prices it at its own time (the price at exit, or
// the amount the exit priced once the car has left), what was paid, and what is still due. State is the session's state
// when it answered (AwaitingReview: the amount may still change).
public sealed record ExitQuote(
    string State, DateTimeOffset EntryAt, DateTimeOffset PricedTo, long TotalCents, long PaidCents, long DueCents, IReadOnlyList<BillingLine> Lines);

// Signal PaymentReceivedAtBooth: what the pay station or operator took.
public sealed record BoothPayment(long AmountCents, string Reference, DateTimeOffset PaidAt);

public static class ParkingStates
{
    public const string Validating = "Validating";
    public const string Allocating = "Allocating";
    public const string Parked = "Parked";
    public const string Pricing = "Pricing";
    public const string AwaitingPayment = "AwaitingPayment";
    public const string AwaitingReview = "AwaitingReview";
    public const string Exiting = "Exiting";
    public const string Completed = "Completed";
    public const string Denied = "Denied";
}

public enum ParkingOutcome
{
    Completed,
    Denied,
}

// Result of the Status query.
public sealed record ParkingStatus(
    string State, Guid SessionId, string FacilityId, string Plate, SpaceType SpaceType, string? SpaceLabel,
    DateTimeOffset EntryAt, DateTimeOffset? ExitAt, long? AmountDueCents, long AmountPaidCents, PaymentChannel Channel,
    string? DenialReason, IReadOnlyList<string> Alerts)
{
    // The charge started from this stay (a child ChargingSession, workflow id charging-{id}), if any.
    public Guid? ChargingSessionId { get; init; }

    // Why the last charging request was not acted on, or how the charge ended when it failed.
    public string? ChargingNote { get; init; }

    // Why the charge waits (or waited) for an operator's review, if it does.
    public string? ReviewReason { get; init; }
}

public sealed record ParkingSessionResult(
    ParkingOutcome Outcome, string? DenialReason, string? SpaceLabel, DateTimeOffset EntryAt, DateTimeOffset? ExitAt,
    long TotalCents, long PaidCents, PaymentChannel Channel, Guid? InvoiceId, long? ReceiptNumber, IReadOnlyList<BillingLine> Lines)
{
    // The charge started from this stay, and its outcome when it had finished by the time the car left
    // (a charge still running then continues on its own and bills itself).
    public Guid? ChargingSessionId { get; init; }

    public ChargingSessionResult? Charging { get; init; }

    public static ParkingSessionResult Deny(string reason, DateTimeOffset entryAt) =>
        new(ParkingOutcome.Denied, reason, null, entryAt, null, 0, 0, PaymentChannel.None, null, null, []);
}

// ----- activity payloads

public sealed record EntryValidationRequest(string WorkflowId, string FacilityId, string Plate, DateTimeOffset EntryAt, Guid? ReservationId, Guid? CustomerId);

// SubscriptionId: an active monthly pass covers this stay. HasSavedCard: the customer has a default
// card to charge off-session at exit. ReservationCreditCents: the reservation's prepayment left to credit.
public sealed record EntryValidation(
    bool Allowed, string? DenialReason, string Plate, Guid? CustomerId, Guid? SubscriptionId, bool HasSavedCard, long ReservationCreditCents)
{
    // The deployment's ceiling for charging without an operator (Parking:AutoChargeCeilingCents); null: the default.
    public long? AutoChargeCeilingCents { get; init; }

    public static EntryValidation Deny(string plate, string reason) => new(false, reason, plate, null, null, false, 0);
}

public sealed record SpaceRequest(
    Guid SessionId, string WorkflowId, string FacilityId, string Plate, SpaceType SpaceType, DateTimeOffset EntryAt,
    Guid? ReservationId, Guid? CustomerId, Guid? SubscriptionId);

public sealed record SpaceAssignment(bool Allocated, Guid? SpaceId, string? SpaceLabel, string? DenialReason);

public sealed record GateOpening(string GateId, Guid SessionId, string? Message);

public sealed record GateMessage(string GateId, string Text);

public sealed record SpaceRelease(Guid SessionId, DateTimeOffset At);

public sealed record OperatorAlertRequest(string WorkflowId, string FacilityId, string Kind, string Message, DateTimeOffset RaisedAt);

public static class OperatorAlertKinds
{
    public const string Overstay = "overstay";
    public const string PayStationTimeout = "pay_station_timeout";
    public const string CardDeclined = "card_declined";
    public const string ChargerFailure = "charger_failure";
    public const string EntryClock = "entry_clock";
    public const string ExitClock = "exit_clock";
    public const string ExitBeforeEntry = "exit_before_entry";
    public const string ChargeReview = "charge_review";
}

public sealed record SessionClosing(
    Guid SessionId, DateTimeOffset ExitAt, long PriceCents, long CreditCents, long AmountDueCents, long AmountPaidCents);
