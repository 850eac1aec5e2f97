using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Domain.Reservations;

namespace EasyParkPlus.Domain.Tests;

public class ReservationPricingTests
{
    private static readonly DateTimeOffset SlotStart = new(2026, 12, 1, 14, 0, 0, TimeSpan.Zero);

    private static ReservationRefund RefundAt(TimeSpan beforeStart, long prepaidCents = 1400) =>
        ReservationPricing.Refund(Money.FromCents(prepaidCents), SlotStart, SlotStart - beforeStart, ReservationPolicy.Default);

    [Fact]
    public void Prepayment_ThreeHoursTenMinutesRegularSlot_Is14Dollars() =>
        Assert.Equal(Money.FromDollars(14), ReservationPricing.Prepayment(SpaceType.Regular, SlotStart, SlotStart.AddMinutes(190), ParkingTariff.Default).Total);

    [Fact]
    public void Prepayment_TwoHourEvSlot_Is8Dollars() =>
        Assert.Equal(Money.FromDollars(8), ReservationPricing.Prepayment(SpaceType.Ev, SlotStart, SlotStart.AddHours(2), ParkingTariff.Default).Total);

    [Fact]
    public void Prepayment_SlotEndingBeforeItStarts_Throws() =>
        Assert.Throws<ArgumentException>(() => ReservationPricing.Prepayment(SpaceType.Regular, SlotStart, SlotStart, ParkingTariff.Default));

    [Fact]
    public void ArrivalDeadline_IsFifteenMinutesAfterSlotStart() =>
        Assert.Equal(SlotStart.AddMinutes(15), ReservationPricing.ArrivalDeadline(SlotStart, ReservationPolicy.Default));

    [Fact]
    public void Refund_CancelledTwoHoursBefore_RefundsEverything() =>
        Assert.Equal(new ReservationRefund(100, Money.FromCents(1400)), RefundAt(TimeSpan.FromHours(2)));

    [Fact]
    public void Refund_CancelledOneHourAndOneSecondBefore_RefundsEverything() =>
        Assert.Equal(100, RefundAt(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1)).Percent);

    [Fact]
    public void Refund_CancelledExactlyOneHourBefore_RefundsHalf() =>
        Assert.Equal(new ReservationRefund(50, Money.FromCents(700)), RefundAt(TimeSpan.FromHours(1)));

    [Fact]
    public void Refund_CancelledOneSecondBeforeStart_RefundsHalf() => Assert.Equal(50, RefundAt(TimeSpan.FromSeconds(1)).Percent);

    [Fact]
    public void Refund_CancelledAtStart_RefundsNothing() => Assert.Equal(new ReservationRefund(0, Money.Zero), RefundAt(TimeSpan.Zero));

    [Fact]
    public void Refund_CancelledAfterStart_RefundsNothing() => Assert.Equal(Money.Zero, RefundAt(TimeSpan.FromMinutes(-5)).Amount);

    [Fact]
    public void Refund_HalfOfAnOddAmount_RoundsHalfUpToTheCent() =>
        Assert.Equal(Money.FromCents(701), RefundAt(TimeSpan.FromMinutes(30), prepaidCents: 1401).Amount);

    [Fact]
    public void Refund_CustomPolicy_UsesItsTiers()
    {
        var policy = ReservationPolicy.Default with
        {
            RefundTiers = [new(TimeSpan.FromHours(24), 100), new(TimeSpan.FromHours(2), 25)],
        };

        Assert.Equal(100, ReservationPricing.Refund(Money.FromDollars(10), SlotStart, SlotStart.AddHours(-25), policy).Percent);
        Assert.Equal(Money.FromCents(250), ReservationPricing.Refund(Money.FromDollars(10), SlotStart, SlotStart.AddHours(-3), policy).Amount);
        Assert.Equal(0, ReservationPricing.Refund(Money.FromDollars(10), SlotStart, SlotStart.AddHours(-1), policy).Percent);
    }

    [Fact]
    public void Refund_TierAboveOneHundredPercent_Throws()
    {
        var policy = ReservationPolicy.Default with { RefundTiers = [new(TimeSpan.Zero, 120)] };

        Assert.Throws<ArgumentException>(() => ReservationPricing.Refund(Money.FromDollars(10), SlotStart, SlotStart.AddHours(-1), policy));
    }

    [Fact]
    public void SettleArrival_StayLongerThanPrepaid_ChargesOnlyTheDifference()
    {
        var actual = ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromMinutes(190), ParkingTariff.Default);

        var due = ReservationPricing.SettleArrival(actual, Money.FromDollars(9));

        Assert.Equal(Money.FromDollars(5), due.Total);
        var credit = due.Lines[^1];
        Assert.Equal((PriceLineCodes.ReservationCredit, Money.FromDollars(-9)), (credit.Code, credit.Amount));
    }

    [Fact]
    public void SettleArrival_StayCheaperThanPrepaid_IsFreeAndCreditsOnlyTheStay()
    {
        var actual = ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromHours(1), ParkingTariff.Default);

        var due = ReservationPricing.SettleArrival(actual, Money.FromDollars(9));

        Assert.Equal(Money.Zero, due.Total);
        Assert.Equal(Money.FromDollars(-3), due.Lines[^1].Amount);
    }

    [Fact]
    public void SettleArrival_NoPrepayment_IsTheActualPrice()
    {
        var actual = ParkingPricing.Price(SpaceType.Ev, TimeSpan.FromHours(2), ParkingTariff.Default);

        Assert.Equal(actual, ReservationPricing.SettleArrival(actual, Money.Zero));
    }
}
