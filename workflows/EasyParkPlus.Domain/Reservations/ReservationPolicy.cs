namespace EasyParkPlus.Domain.Reservations;

public enum ReservationStatus
{
    Booked,
    Fulfilled,
    NoShow,
    Cancelled,
}

// A cancellation made more than `NoticeMoreThan` before the slot starts refunds `Percent` of the
// prepayment. Tiers are checked from the longest notice down; no matching tier refunds nothing.
public sealed record CancellationRefundTier(TimeSpan NoticeMoreThan, int Percent);

public sealed record ReservationPolicy
{
    public static ReservationPolicy Default { get; } = new();

    // The driver may arrive until slot start + this; then the reservation is a no-show.
    public TimeSpan ArrivalGrace { get; init; } = TimeSpan.FromMinutes(15);

    // Booking rules: a slot may start this long before "now" (clocks and form-filling drift), ...
    public TimeSpan StartTolerance { get; init; } = TimeSpan.FromMinutes(5);

    // ... at most this far ahead, ...
    public TimeSpan MaxAdvance { get; init; } = TimeSpan.FromDays(90);

    // ... and may last at most this long.
    public TimeSpan MaxLength { get; init; } = TimeSpan.FromDays(7);

    // Default: 100% more than one hour before start, 50% within the last hour, nothing once started.
    public IReadOnlyList<CancellationRefundTier> RefundTiers { get; init; } =
    [
        new(TimeSpan.FromHours(1), 100),
        new(TimeSpan.Zero, 50),
    ];
}

public sealed record ReservationRefund(int Percent, Money Amount);
