using EasyParkPlus.Domain.Pricing;

namespace EasyParkPlus.Domain.Tests;

public class ParkingPricingTests
{
    private static Money PriceOf(SpaceType type, TimeSpan stay) => ParkingPricing.Price(type, stay, ParkingTariff.Default).Total;

    private static TimeSpan Hours(double hours) => TimeSpan.FromHours(hours);

    [Fact]
    public void Price_ThreeHoursTenMinutesRegular_Is14Dollars()
    {
        var price = ParkingPricing.Price(SpaceType.Regular, Hours(3) + TimeSpan.FromMinutes(10), ParkingTariff.Default);

        price.Total.Should().Be(Money.FromDollars(14));
        price.Lines.Should().SatisfyRespectively(
            line => (line.Code, line.Quantity, line.UnitPrice, line.Amount).Should().Be((PriceLineCodes.ParkingFirstHours, 3m, Money.FromDollars(3), Money.FromDollars(9))),
            line => (line.Code, line.Quantity, line.UnitPrice, line.Amount).Should().Be((PriceLineCodes.ParkingHours, 1m, Money.FromDollars(5), Money.FromDollars(5))));
    }

    [Fact]
    public void Price_ThirtyHoursRegular_Is60Dollars()
    {
        var price = ParkingPricing.Price(SpaceType.Regular, Hours(30), ParkingTariff.Default);

        price.Total.Should().Be(Money.FromDollars(60));
        price.Lines.Should().SatisfyRespectively(
            line => (line.Code, line.Quantity, line.Amount).Should().Be((PriceLineCodes.ParkingDailyMaximum, 1m, Money.FromDollars(30))),
            line => (line.Code, line.Quantity, line.Amount).Should().Be((PriceLineCodes.ParkingHours, 6m, Money.FromDollars(30))));
    }

    [Fact]
    public void Price_ZeroStay_IsFree() => PriceOf(SpaceType.Regular, TimeSpan.Zero).Should().Be(Money.Zero);

    [Fact]
    public void Price_ExactlyTenMinutes_IsFreeWithAGraceLine()
    {
        var price = ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromMinutes(10), ParkingTariff.Default);

        price.Total.Should().Be(Money.Zero);
        var line = price.Lines.Should().ContainSingle().Which;
        line.Code.Should().Be(PriceLineCodes.ParkingGrace);
        line.Description.Should().Contain("10-minute");
    }

    [Theory]
    [InlineData(SpaceType.Regular, 300)]
    [InlineData(SpaceType.Accessible, 300)]
    [InlineData(SpaceType.Ev, 400)]
    public void Price_TenMinutesOneSecond_IsBilledFromEntryAsOneHour(SpaceType type, long cents) =>
        PriceOf(type, TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1)).Should().Be(Money.FromCents(cents));

    [Fact]
    public void Price_ExactlyThreeHoursRegular_Is9Dollars() => PriceOf(SpaceType.Regular, Hours(3)).Should().Be(Money.FromDollars(9));

    [Fact]
    public void Price_ThreeHoursOneSecondRegular_Is14Dollars() =>
        PriceOf(SpaceType.Regular, Hours(3) + TimeSpan.FromSeconds(1)).Should().Be(Money.FromDollars(14));

    [Fact]
    public void Price_SevenHoursRegular_Is29DollarsUnderTheCap() => PriceOf(SpaceType.Regular, Hours(7)).Should().Be(Money.FromDollars(29));

    [Fact]
    public void Price_EightHoursRegular_IsCappedAt30Dollars() => PriceOf(SpaceType.Regular, Hours(8)).Should().Be(Money.FromDollars(30));

    [Fact]
    public void Price_TwentyFourHoursRegular_IsCappedAt30Dollars()
    {
        var price = ParkingPricing.Price(SpaceType.Regular, Hours(24), ParkingTariff.Default);

        price.Total.Should().Be(Money.FromDollars(30));
        price.Lines.Should().ContainSingle().Which.Code.Should().Be(PriceLineCodes.ParkingDailyMaximum);
    }

    [Fact]
    public void Price_TwentyFourHoursOneMinuteRegular_Is35DollarsAtTheLaterRate() =>
        PriceOf(SpaceType.Regular, Hours(24) + TimeSpan.FromMinutes(1)).Should().Be(Money.FromDollars(35));

    [Fact]
    public void Price_FortyEightHoursRegular_Is60Dollars()
    {
        var price = ParkingPricing.Price(SpaceType.Regular, Hours(48), ParkingTariff.Default);

        price.Total.Should().Be(Money.FromDollars(60));
        var line = price.Lines.Should().ContainSingle().Which;
        (line.Code, line.Quantity, line.UnitPrice).Should().Be((PriceLineCodes.ParkingDailyMaximum, 2m, Money.FromDollars(30)));
    }

    [Fact]
    public void Price_FortyEightHoursOneSecondRegular_Is65Dollars() =>
        PriceOf(SpaceType.Regular, Hours(48) + TimeSpan.FromSeconds(1)).Should().Be(Money.FromDollars(65));

    [Fact]
    public void Price_ThirtyDaysRegular_IsThirtyDailyMaximumsOnOneLine()
    {
        var price = ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromDays(30), ParkingTariff.Default);

        price.Total.Should().Be(Money.FromDollars(900));
        price.Lines.Should().ContainSingle().Which.Quantity.Should().Be(30m);
    }

    [Fact]
    public void Price_OneHourEv_Is4Dollars() => PriceOf(SpaceType.Ev, Hours(1)).Should().Be(Money.FromDollars(4));

    [Fact]
    public void Price_EightHoursEv_Is32DollarsUnderTheCap() => PriceOf(SpaceType.Ev, Hours(8)).Should().Be(Money.FromDollars(32));

    [Fact]
    public void Price_NineHoursEv_IsCappedAt35Dollars() => PriceOf(SpaceType.Ev, Hours(9)).Should().Be(Money.FromDollars(35));

    [Fact]
    public void Price_TwentyFourHoursEv_IsCappedAt35Dollars() => PriceOf(SpaceType.Ev, Hours(24)).Should().Be(Money.FromDollars(35));

    [Fact]
    public void Price_TwentyFiveHoursEv_Is39Dollars() => PriceOf(SpaceType.Ev, Hours(25)).Should().Be(Money.FromDollars(39));

    [Fact]
    public void Price_FortyEightHoursEv_Is70Dollars() => PriceOf(SpaceType.Ev, Hours(48)).Should().Be(Money.FromDollars(70));

    [Fact]
    public void Price_ThreeHoursTenMinutesEv_Is16DollarsWithNoIntroductoryRate()
    {
        var price = ParkingPricing.Price(SpaceType.Ev, Hours(3) + TimeSpan.FromMinutes(10), ParkingTariff.Default);

        price.Total.Should().Be(Money.FromDollars(16));
        (price.Lines.Should().ContainSingle().Which.Code, price.Lines[0].Quantity).Should().Be((PriceLineCodes.ParkingHours, 4m));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3)]
    [InlineData(3.2)]
    [InlineData(24)]
    [InlineData(30)]
    [InlineData(100)]
    public void Price_Accessible_UsesTheRegularRate(double hours) =>
        PriceOf(SpaceType.Accessible, Hours(hours)).Should().Be(PriceOf(SpaceType.Regular, Hours(hours)));

    [Fact]
    public void Price_EntryAndExitTimes_BillTheDurationBetweenThem()
    {
        var entry = new DateTimeOffset(2026, 3, 8, 1, 30, 0, TimeSpan.Zero);

        var price = ParkingPricing.Price(SpaceType.Regular, entry, entry.AddHours(3).AddMinutes(10), ParkingTariff.Default);

        price.Total.Should().Be(Money.FromDollars(14));
    }

    [Fact]
    public void Price_CustomTariff_AppliesItsRatesCapAndGrace()
    {
        var tariff = ParkingTariff.Default with
        {
            Regular = new ParkingRate(Money.FromDollars(2), 1, Money.FromDollars(6), Money.FromDollars(20)),
            Grace = TimeSpan.FromMinutes(15),
        };

        ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromMinutes(15), tariff).Total.Should().Be(Money.Zero);
        ParkingPricing.Price(SpaceType.Regular, Hours(3), tariff).Total.Should().Be(Money.FromDollars(14));
        ParkingPricing.Price(SpaceType.Regular, Hours(4), tariff).Total.Should().Be(Money.FromDollars(20));
    }

    [Fact]
    public void Price_NoGrace_BillsTheFirstSecond()
    {
        var tariff = ParkingTariff.Default with { Grace = TimeSpan.Zero };

        ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromSeconds(1), tariff).Total.Should().Be(Money.FromDollars(3));
    }

    [Fact]
    public void Price_NegativeStay_Throws() =>
        FluentActions.Invoking(() => ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromSeconds(-1), ParkingTariff.Default)).Should().ThrowExactly<ArgumentOutOfRangeException>();

    [Fact]
    public void Price_NegativeRate_Throws()
    {
        var tariff = ParkingTariff.Default with { Ev = ParkingRate.Flat(Money.FromCents(-1), Money.FromDollars(35)) };

        FluentActions.Invoking(() => ParkingPricing.Price(SpaceType.Ev, Hours(1), tariff)).Should().ThrowExactly<ArgumentException>();
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(3600, 1)]
    [InlineData(3601, 2)]
    [InlineData(86400, 24)]
    [InlineData(86401, 25)]
    public void StartedHours_CountsEveryStartedHour(int seconds, long expected) =>
        ParkingPricing.StartedHours(TimeSpan.FromSeconds(seconds)).Should().Be(expected);
}
