using System.Text.Json;
using EasyParkPlus.Domain.Pricing;

namespace EasyParkPlus.Domain.Tests;

public class MoneyTests
{
    [Theory]
    [InlineData(1250, "$12.50")]
    [InlineData(5, "$0.05")]
    [InlineData(0, "$0.00")]
    [InlineData(-300, "-$3.00")]
    [InlineData(123456, "$1,234.56")]
    public void ToString_FormatsDollarsAndCents(long cents, string expected) => Money.FromCents(cents).ToString().Should().Be(expected);

    [Fact]
    public void Arithmetic_WorksInWholeCents()
    {
        (Money.FromDollars(2) + Money.FromCents(700) + (Money.FromCents(50) * 7)).Should().Be(Money.FromCents(1250));
        (Money.FromCents(50) - Money.FromCents(100)).Should().Be(Money.FromCents(-50));
        (Money.FromDollars(3) < Money.FromDollars(5)).Should().BeTrue();
        Money.Min(Money.FromDollars(3), Money.FromDollars(5)).Should().Be(Money.FromDollars(3));
    }

    [Fact]
    public void Arithmetic_Overflow_ThrowsInsteadOfWrapping() =>
        FluentActions.Invoking(() => Money.FromCents(long.MaxValue) + Money.FromCents(1)).Should().ThrowExactly<OverflowException>();

    [Theory]
    [InlineData(5, 10, 1)]
    [InlineData(4, 10, 0)]
    [InlineData(15, 10, 2)]
    [InlineData(-5, 10, -1)]
    [InlineData(-4, 10, 0)]
    public void RoundHalfUp_RoundsTiesAwayFromZero(long numerator, long denominator, long expected) =>
        Money.RoundHalfUp(numerator, denominator).Should().Be(Money.FromCents(expected));

    [Fact]
    public void Json_BreakdownRoundTrips_AsWorkflowHistoryStoresIt()
    {
        var price = ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromHours(30), ParkingTariff.Default);

        var copy = JsonSerializer.Deserialize<PriceBreakdown>(JsonSerializer.Serialize(price));

        copy.Should().Be(price);
        copy!.Total.Should().Be(Money.FromDollars(60));
    }
}
