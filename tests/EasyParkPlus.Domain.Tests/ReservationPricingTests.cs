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
        ReservationPricing.Prepayment(SpaceType.Regular, SlotStart, SlotStart.AddMinutes(190), ParkingTariff.Default).Total.Should().Be(Money.FromDollars(14));

    [Fact]
    public void Prepayment_TwoHourEvSlot_Is8Dollars() =>
        ReservationPricing.Prepayment(SpaceType.Ev, SlotStart, SlotStart.AddHours(2), ParkingTariff.Default).Total.Should().Be(Money.FromDollars(8));

    [Fact]
    public void Prepayment_SlotEndingBeforeItStarts_Throws() =>
        FluentActions.Invoking(() => ReservationPricing.Prepayment(SpaceType.Regular, SlotStart, SlotStart, ParkingTariff.Default)).Should().ThrowExactly<ArgumentException>();

    [Fact]
    public void ArrivalDeadline_IsFifteenMinutesAfterSlotStart() =>
        ReservationPricing.ArrivalDeadline(SlotStart, ReservationPolicy.Default).Should().Be(SlotStart.AddMinutes(15));

    [Fact]
    public void Refund_CancelledTwoHoursBefore_RefundsEverything() =>
        RefundAt(TimeSpan.FromHours(2)).Should().Be(new ReservationRefund(100, Money.FromCents(1400)));

    [Fact]
    public void Refund_CancelledOneHourAndOneSecondBefore_RefundsEverything() =>
        RefundAt(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1)).Percent.Should().Be(100);

    [Fact]
    public void Refund_CancelledExactlyOneHourBefore_RefundsHalf() =>
        RefundAt(TimeSpan.FromHours(1)).Should().Be(new ReservationRefund(50, Money.FromCents(700)));

    [Fact]
    public void Refund_CancelledOneSecondBeforeStart_RefundsHalf() => RefundAt(TimeSpan.FromSeconds(1)).Percent.Should().Be(50);

    [Fact]
    public void Refund_CancelledAtStart_RefundsNothing() => RefundAt(TimeSpan.Zero).Should().Be(new ReservationRefund(0, Money.Zero));

    [Fact]
    public void Refund_CancelledAfterStart_RefundsNothing() => RefundAt(TimeSpan.FromMinutes(-5)).Amount.Should().Be(Money.Zero);

    [Fact]
    public void Refund_HalfOfAnOddAmount_RoundsHalfUpToTheCent() =>
        RefundAt(TimeSpan.FromMinutes(30), prepaidCents: 1401).Amount.Should().Be(Money.FromCents(701));

    [Fact]
    public void Refund_CustomPolicy_UsesItsTiers()
    {
        var policy = ReservationPolicy.Default with
        {
            RefundTiers = [new(TimeSpan.FromHours(24), 100), new(TimeSpan.FromHours(2), 25)],
        };

        ReservationPricing.Refund(Money.FromDollars(10), SlotStart, SlotStart.AddHours(-25), policy).Percent.Should().Be(100);
        ReservationPricing.Refund(Money.FromDollars(10), SlotStart, SlotStart.AddHours(-3), policy).Amount.Should().Be(Money.FromCents(250));
        ReservationPricing.Refund(Money.FromDollars(10), SlotStart, SlotStart.AddHours(-1), policy).Percent.Should().Be(0);
    }

    [Fact]
    public void Refund_TierAboveOneHundredPercent_Throws()
    {
        var policy = ReservationPolicy.Default with { RefundTiers = [new(TimeSpan.Zero, 120)] };

        FluentActions.Invoking(() => ReservationPricing.Refund(Money.FromDollars(10), SlotStart, SlotStart.AddHours(-1), policy)).Should().ThrowExactly<ArgumentException>();
    }

    [Fact]
    public void SettleArrival_StayLongerThanPrepaid_ChargesOnlyTheDifference()
    {
        var actual = ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromMinutes(190), ParkingTariff.Default);

        var due = ReservationPricing.SettleArrival(actual, Money.FromDollars(9));

        due.Total.Should().Be(Money.FromDollars(5));
        var credit = due.Lines[^1];
        (credit.Code, credit.Amount).Should().Be((PriceLineCodes.ReservationCredit, Money.FromDollars(-9)));
    }

    [Fact]
    public void SettleArrival_StayCheaperThanPrepaid_IsFreeAndCreditsOnlyTheStay()
    {
        var actual = ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromHours(1), ParkingTariff.Default);

        var due = ReservationPricing.SettleArrival(actual, Money.FromDollars(9));

        due.Total.Should().Be(Money.Zero);
        due.Lines[^1].Amount.Should().Be(Money.FromDollars(-3));
    }

    [Fact]
    public void SettleArrival_NoPrepayment_IsTheActualPrice()
    {
        var actual = ParkingPricing.Price(SpaceType.Ev, TimeSpan.FromHours(2), ParkingTariff.Default);

        ReservationPricing.SettleArrival(actual, Money.Zero).Should().Be(actual);
    }
}
