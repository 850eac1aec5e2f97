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

        Assert.Equal(Money.FromDollars(14), price.Total);
        Assert.Collection(price.Lines,
            line => Assert.Equal((PriceLineCodes.ParkingFirstHours, 3m, Money.FromDollars(3), Money.FromDollars(9)), (line.Code, line.Quantity, line.UnitPrice, line.Amount)),
            line => Assert.Equal((PriceLineCodes.ParkingHours, 1m, Money.FromDollars(5), Money.FromDollars(5)), (line.Code, line.Quantity, line.UnitPrice, line.Amount)));
    }

    [Fact]
    public void Price_ThirtyHoursRegular_Is60Dollars()
    {
        var price = ParkingPricing.Price(SpaceType.Regular, Hours(30), ParkingTariff.Default);

        Assert.Equal(Money.FromDollars(60), price.Total);
        Assert.Collection(price.Lines,
            line => Assert.Equal((PriceLineCodes.ParkingDailyMaximum, 1m, Money.FromDollars(30)), (line.Code, line.Quantity, line.Amount)),
            line => Assert.Equal((PriceLineCodes.ParkingHours, 6m, Money.FromDollars(30)), (line.Code, line.Quantity, line.Amount)));
    }

    [Fact]
    public void Price_ZeroStay_IsFree() => Assert.Equal(Money.Zero, PriceOf(SpaceType.Regular, TimeSpan.Zero));

    [Fact]
    public void Price_ExactlyTenMinutes_IsFreeWithAGraceLine()
    {
        var price = ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromMinutes(10), ParkingTariff.Default);

        Assert.Equal(Money.Zero, price.Total);
        var line = Assert.Single(price.Lines);
        Assert.Equal(PriceLineCodes.ParkingGrace, line.Code);
        Assert.Contains("10-minute", line.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SpaceType.Regular, 300)]
    [InlineData(SpaceType.Accessible, 300)]
    [InlineData(SpaceType.Ev, 400)]
    public void Price_TenMinutesOneSecond_IsBilledFromEntryAsOneHour(SpaceType type, long cents) =>
        Assert.Equal(Money.FromCents(cents), PriceOf(type, TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1)));

    [Fact]
    public void Price_ExactlyThreeHoursRegular_Is9Dollars() => Assert.Equal(Money.FromDollars(9), PriceOf(SpaceType.Regular, Hours(3)));

    [Fact]
    public void Price_ThreeHoursOneSecondRegular_Is14Dollars() =>
        Assert.Equal(Money.FromDollars(14), PriceOf(SpaceType.Regular, Hours(3) + TimeSpan.FromSeconds(1)));

    [Fact]
    public void Price_SevenHoursRegular_Is29DollarsUnderTheCap() => Assert.Equal(Money.FromDollars(29), PriceOf(SpaceType.Regular, Hours(7)));

    [Fact]
    public void Price_EightHoursRegular_IsCappedAt30Dollars() => Assert.Equal(Money.FromDollars(30), PriceOf(SpaceType.Regular, Hours(8)));

    [Fact]
    public void Price_TwentyFourHoursRegular_IsCappedAt30Dollars()
    {
        var price = ParkingPricing.Price(SpaceType.Regular, Hours(24), ParkingTariff.Default);

        Assert.Equal(Money.FromDollars(30), price.Total);
        Assert.Equal(PriceLineCodes.ParkingDailyMaximum, Assert.Single(price.Lines).Code);
    }

    [Fact]
    public void Price_TwentyFourHoursOneMinuteRegular_Is35DollarsAtTheLaterRate() =>
        Assert.Equal(Money.FromDollars(35), PriceOf(SpaceType.Regular, Hours(24) + TimeSpan.FromMinutes(1)));

    [Fact]
    public void Price_FortyEightHoursRegular_Is60Dollars()
    {
        var price = ParkingPricing.Price(SpaceType.Regular, Hours(48), ParkingTariff.Default);

        Assert.Equal(Money.FromDollars(60), price.Total);
        var line = Assert.Single(price.Lines);
        Assert.Equal((PriceLineCodes.ParkingDailyMaximum, 2m, Money.FromDollars(30)), (line.Code, line.Quantity, line.UnitPrice));
    }

    [Fact]
    public void Price_FortyEightHoursOneSecondRegular_Is65Dollars() =>
        Assert.Equal(Money.FromDollars(65), PriceOf(SpaceType.Regular, Hours(48) + TimeSpan.FromSeconds(1)));

    [Fact]
    public void Price_ThirtyDaysRegular_IsThirtyDailyMaximumsOnOneLine()
    {
        var price = ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromDays(30), ParkingTariff.Default);

        Assert.Equal(Money.FromDollars(900), price.Total);
        Assert.Equal(30m, Assert.Single(price.Lines).Quantity);
    }

    [Fact]
    public void Price_OneHourEv_Is4Dollars() => Assert.Equal(Money.FromDollars(4), PriceOf(SpaceType.Ev, Hours(1)));

    [Fact]
    public void Price_EightHoursEv_Is32DollarsUnderTheCap() => Assert.Equal(Money.FromDollars(32), PriceOf(SpaceType.Ev, Hours(8)));

    [Fact]
    public void Price_NineHoursEv_IsCappedAt35Dollars() => Assert.Equal(Money.FromDollars(35), PriceOf(SpaceType.Ev, Hours(9)));

    [Fact]
    public void Price_TwentyFourHoursEv_IsCappedAt35Dollars() => Assert.Equal(Money.FromDollars(35), PriceOf(SpaceType.Ev, Hours(24)));

    [Fact]
    public void Price_TwentyFiveHoursEv_Is39Dollars() => Assert.Equal(Money.FromDollars(39), PriceOf(SpaceType.Ev, Hours(25)));

    [Fact]
    public void Price_FortyEightHoursEv_Is70Dollars() => Assert.Equal(Money.FromDollars(70), PriceOf(SpaceType.Ev, Hours(48)));

    [Fact]
    public void Price_ThreeHoursTenMinutesEv_Is16DollarsWithNoIntroductoryRate()
    {
        var price = ParkingPricing.Price(SpaceType.Ev, Hours(3) + TimeSpan.FromMinutes(10), ParkingTariff.Default);

        Assert.Equal(Money.FromDollars(16), price.Total);
        Assert.Equal((PriceLineCodes.ParkingHours, 4m), (Assert.Single(price.Lines).Code, price.Lines[0].Quantity));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3)]
    [InlineData(3.2)]
    [InlineData(24)]
    [InlineData(30)]
    [InlineData(100)]
    public void Price_Accessible_UsesTheRegularRate(double hours) =>
        Assert.Equal(PriceOf(SpaceType.Regular, Hours(hours)), PriceOf(SpaceType.Accessible, Hours(hours)));

    [Fact]
    public void Price_EntryAndExitTimes_BillTheDurationBetweenThem()
    {
        var entry = new DateTimeOffset(2026, 3, 8, 1, 30, 0, TimeSpan.Zero);

        var price = ParkingPricing.Price(SpaceType.Regular, entry, entry.AddHours(3).AddMinutes(10), ParkingTariff.Default);

        Assert.Equal(Money.FromDollars(14), price.Total);
    }

    [Fact]
    public void Price_CustomTariff_AppliesItsRatesCapAndGrace()
    {
        var tariff = ParkingTariff.Default with
        {
            Regular = new ParkingRate(Money.FromDollars(2), 1, Money.FromDollars(6), Money.FromDollars(20)),
            Grace = TimeSpan.FromMinutes(15),
        };

        Assert.Equal(Money.Zero, ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromMinutes(15), tariff).Total);
        Assert.Equal(Money.FromDollars(14), ParkingPricing.Price(SpaceType.Regular, Hours(3), tariff).Total);
        Assert.Equal(Money.FromDollars(20), ParkingPricing.Price(SpaceType.Regular, Hours(4), tariff).Total);
    }

    [Fact]
    public void Price_NoGrace_BillsTheFirstSecond()
    {
        var tariff = ParkingTariff.Default with { Grace = TimeSpan.Zero };

        Assert.Equal(Money.FromDollars(3), ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromSeconds(1), tariff).Total);
    }

    [Fact]
    public void Price_NegativeStay_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromSeconds(-1), ParkingTariff.Default));

    [Fact]
    public void Price_NegativeRate_Throws()
    {
        var tariff = ParkingTariff.Default with { Ev = ParkingRate.Flat(Money.FromCents(-1), Money.FromDollars(35)) };

        Assert.Throws<ArgumentException>(() => ParkingPricing.Price(SpaceType.Ev, Hours(1), tariff));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(3600, 1)]
    [InlineData(3601, 2)]
    [InlineData(86400, 24)]
    [InlineData(86401, 25)]
    public void StartedHours_CountsEveryStartedHour(int seconds, long expected) =>
        Assert.Equal(expected, ParkingPricing.StartedHours(TimeSpan.FromSeconds(seconds)));
}
