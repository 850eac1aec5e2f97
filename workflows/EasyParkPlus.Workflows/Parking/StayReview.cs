using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Pricing;

namespace EasyParkPlus.Workflows.Parking;

// The pure parts of holding a stay's charge for an operator (ParkingSession.PriceStayAsync).
public static class StayReview
{
    // The span to bill: the gate times, or, when the exit is dated before the entry, the two events' arrivals (now for
    // an exit signalled without one). OutOfOrder says why the arrivals were used.
    public static (DateTimeOffset From, DateTimeOffset To, string? OutOfOrder) BillingSpan(ParkingSessionInput input, VehicleExit exit, DateTimeOffset now)
    {
        if (exit.ExitAt >= input.EntryAt)
        {
            return (input.EntryAt, exit.ExitAt, null);
        }
        var (from, to) = (input.EntryReceivedAt ?? input.EntryAt, exit.ReceivedAt ?? now);
        return (from, to, $"the exit gate reported {exit.ExitAt:u}, before the entry at {input.EntryAt:u}; priced from the events' arrivals {from:u} to {to:u}");
    }

    // The operator's decision: the price as it was, or one more line that brings it to the amount they set.
    public static PriceBreakdown Apply(PriceBreakdown price, ChargeReview review)
    {
        if (review.AmountCents is not { } decided || decided == price.Total.Cents)
        {
            return price;
        }
        var adjustment = Money.FromCents(decided) - price.Total;
        var note = string.IsNullOrWhiteSpace(review.Note) ? "Set by an operator after review" : $"Set by an operator after review: {review.Note.Trim()}";
        return price.Append(new PriceLine(PriceLineCodes.OperatorAdjustment, note, 1, PriceUnits.Each, adjustment, adjustment));
    }
}
