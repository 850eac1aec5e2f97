using EasyParkPlus.Domain.Charging;
using EasyParkPlus.Domain.Pricing;

namespace EasyParkPlus.Domain.Tests;

public class ChargingPricingTests
{
    [Fact]
    public void Price_TwentyKwhTwelveIdleMinutes_Is12Dollars50()
    {
        var price = ChargingPricing.Price(20_000, TimeSpan.FromMinutes(12), ChargingTariff.Default);

        price.Total.Should().Be(Money.FromCents(1250));
        price.Lines.Should().SatisfyRespectively(
            line => (line.Code, line.Quantity, line.Amount).Should().Be((PriceLineCodes.ChargingSessionFee, 1m, Money.FromCents(200))),
            line => (line.Code, line.Quantity, line.Unit, line.Amount).Should().Be((PriceLineCodes.ChargingEnergy, 20m, PriceUnits.KilowattHour, Money.FromCents(700))),
            line => (line.Code, line.Quantity, line.Amount).Should().Be((PriceLineCodes.ChargingIdle, 7m, Money.FromCents(350))));
    }

    [Theory]
    [InlineData(1, 0)]        // 0.035 ¢
    [InlineData(14, 0)]       // 0.49 ¢
    [InlineData(15, 1)]       // 0.525 ¢
    [InlineData(100, 4)]      // 3.5 ¢: a tie rounds up
    [InlineData(1_429, 50)]   // 50.015 ¢
    [InlineData(12_345, 432)] // 432.075 ¢
    [InlineData(20_000, 700)]
    public void EnergyCharge_RoundsHalfUpToTheCent(long wattHours, long expectedCents) =>
        ChargingPricing.EnergyCharge(wattHours, ChargingTariff.Default.EnergyPerKwh).Should().Be(Money.FromCents(expectedCents));

    [Fact]
    public void EnergyCharge_IsRoundedOncePerSessionNotPerReading()
    {
        // Three readings of 100 Wh would be 4 ¢ each if rounded one by one (12 ¢); the session is 10.5 → 11 ¢.
        var price = ChargingPricing.Price(300, TimeSpan.Zero, ChargingTariff.Default);

        var energy = price.Lines.Should().ContainSingle(line => line.Code == PriceLineCodes.ChargingEnergy).Which;
        energy.Amount.Should().Be(Money.FromCents(11));
        energy.Quantity.Should().Be(0.3m);
    }

    [Fact]
    public void Price_IdleExactlyAtTheGrace_HasNoIdleFee()
    {
        var price = ChargingPricing.Price(10_000, TimeSpan.FromMinutes(5), ChargingTariff.Default);

        price.Lines.Should().NotContain(line => line.Code == PriceLineCodes.ChargingIdle);
        price.Total.Should().Be(Money.FromCents(550));
    }

    [Fact]
    public void Price_IdleOneSecondBeyondTheGrace_BillsOneStartedMinute()
    {
        var price = ChargingPricing.Price(10_000, TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1), ChargingTariff.Default);

        var idle = price.Lines.Should().ContainSingle(line => line.Code == PriceLineCodes.ChargingIdle).Which;
        (idle.Quantity, idle.Amount).Should().Be((1m, Money.FromCents(50)));
    }

    [Fact]
    public void Price_NoEnergyDelivered_HasNoSessionFeeButStillBillsIdle()
    {
        var price = ChargingPricing.Price(0, TimeSpan.FromMinutes(8), ChargingTariff.Default);

        price.Lines.Should().ContainSingle().Which.Code.Should().Be(PriceLineCodes.ChargingIdle);
        price.Total.Should().Be(Money.FromCents(150));
    }

    [Fact]
    public void Price_NothingDeliveredAndNoIdle_IsFree() =>
        ChargingPricing.Price(0, TimeSpan.Zero, ChargingTariff.Default).Total.Should().Be(Money.Zero);

    [Fact]
    public void Price_CustomTariff_AppliesItsRatesAndGrace()
    {
        var tariff = new ChargingTariff
        {
            EnergyPerKwh = Money.FromCents(40),
            SessionFee = Money.FromDollars(1),
            IdlePerMinute = Money.FromCents(25),
            IdleGrace = TimeSpan.Zero,
        };

        var price = ChargingPricing.Price(10_000, TimeSpan.FromMinutes(4), tariff);

        price.Total.Should().Be(Money.FromCents(100 + 400 + 100));
    }

    [Fact]
    public void Price_NegativeEnergy_Throws() =>
        FluentActions.Invoking(() => ChargingPricing.Price(-1, TimeSpan.Zero, ChargingTariff.Default)).Should().ThrowExactly<ArgumentOutOfRangeException>();

    [Theory]
    [InlineData(0, 0)]
    [InlineData(300, 0)]
    [InlineData(301, 1)]
    [InlineData(360, 1)]
    [InlineData(361, 2)]
    [InlineData(720, 7)]
    public void BillableIdleMinutes_CountsStartedMinutesBeyondTheGrace(int idleSeconds, long expected) =>
        ChargingPricing.BillableIdleMinutes(TimeSpan.FromSeconds(idleSeconds), TimeSpan.FromMinutes(5)).Should().Be(expected);
}
