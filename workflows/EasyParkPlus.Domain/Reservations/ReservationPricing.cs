using EasyParkPlus.Domain.Pricing;

namespace EasyParkPlus.Domain.Reservations;

public static class ReservationPricing
{
    // The prepayment is what parking in the reserved slot would cost.
    public static PriceBreakdown Prepayment(SpaceType spaceType, DateTimeOffset slotStart, DateTimeOffset slotEnd, ParkingTariff tariff)
    {
        if (slotEnd <= slotStart)
        {
            throw new ArgumentException($"A reservation slot must end after it starts ({slotStart:O} – {slotEnd:O}).", nameof(slotEnd));
        }
        return ParkingPricing.Price(spaceType, slotEnd - slotStart, tariff);
    }

    // Why a slot cannot be booked at `now` (field, message), or null when it can. Only subtractions of instants, so
    // slots near DateTimeOffset's ends (year 1, year 9999) are refused rather than overflowing.
    public static (string Field, string Message)? SlotProblem(DateTimeOffset slotStart, DateTimeOffset slotEnd, DateTimeOffset now, ReservationPolicy policy)
    {
        if (slotEnd <= slotStart)
        {
            return ("slotEnd", "The slot must end after it starts.");
        }
        if (now - slotStart > policy.StartTolerance)
        {
            return ("slotStart", $"The slot has already started; it may start at most {policy.StartTolerance.TotalMinutes:0} minutes before now.");
        }
        if (slotStart - now > policy.MaxAdvance)
        {
            return ("slotStart", $"A slot may start at most {policy.MaxAdvance.TotalDays:0} days ahead.");
        }
        if (slotEnd - slotStart > policy.MaxLength)
        {
            return ("slotEnd", $"A reservation may last at most {policy.MaxLength.TotalDays:0} days.");
        }
        return null;
    }

    // Saturates at the end of time instead of overflowing, for a refused slot in the year 9999.
    public static DateTimeOffset ArrivalDeadline(DateTimeOffset slotStart, ReservationPolicy policy) =>
        DateTimeOffset.MaxValue - slotStart <= policy.ArrivalGrace ? DateTimeOffset.MaxValue : slotStart + policy.ArrivalGrace;

    public static ReservationRefund Refund(Money prepaid, DateTimeOffset slotStart, DateTimeOffset cancelledAt, ReservationPolicy policy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prepaid, Money.Zero);
        var notice = slotStart - cancelledAt;
        foreach (var tier in policy.RefundTiers.OrderByDescending(tier => tier.NoticeMoreThan))
        {
            if (tier.Percent is < 0 or > 100)
            {
                throw new ArgumentException($"A refund tier's percent must be 0–100, not {tier.Percent}.", nameof(policy));
            }
            if (notice > tier.NoticeMoreThan)
            {
                // Half-up to the cent; with Percent ≤ 100 the refund can never exceed the prepayment.
                return new ReservationRefund(tier.Percent, Money.RoundHalfUp(checked(prepaid.Cents * tier.Percent), 100));
            }
        }
        return new ReservationRefund(0, Money.Zero);
    }

    // On arrival the stay is billed in full and the prepayment credited against it; a stay cheaper
    // than the prepayment costs nothing more and the rest of the prepayment is not refunded.
    public static PriceBreakdown SettleArrival(PriceBreakdown actualParking, Money prepaidCredit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prepaidCredit, Money.Zero);
        var credit = Money.Min(prepaidCredit, Money.Max(actualParking.Total, Money.Zero));
        if (credit.IsZero)
        {
            return actualParking;
        }
        return actualParking.Append(new PriceLine(
            PriceLineCodes.ReservationCredit, $"Reservation prepayment credit (of {prepaidCredit} prepaid)", 1, PriceUnits.Each, -credit, -credit));
    }
}
