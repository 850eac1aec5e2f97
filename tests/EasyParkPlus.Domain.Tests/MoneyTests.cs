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
    public void ToString_FormatsDollarsAndCents(long cents, string expected) => Assert.Equal(expected, Money.FromCents(cents).ToString());

    [Fact]
    public void Arithmetic_WorksInWholeCents()
    {
        Assert.Equal(Money.FromCents(1250), Money.FromDollars(2) + Money.FromCents(700) + (Money.FromCents(50) * 7));
        Assert.Equal(Money.FromCents(-50), Money.FromCents(50) - Money.FromCents(100));
        Assert.True(Money.FromDollars(3) < Money.FromDollars(5));
        Assert.Equal(Money.FromDollars(3), Money.Min(Money.FromDollars(3), Money.FromDollars(5)));
    }

    [Fact]
    public void Arithmetic_Overflow_ThrowsInsteadOfWrapping() =>
        Assert.Throws<OverflowException>(() => Money.FromCents(long.MaxValue) + Money.FromCents(1));

    [Theory]
    [InlineData(5, 10, 1)]
    [InlineData(4, 10, 0)]
    [InlineData(15, 10, 2)]
    [InlineData(-5, 10, -1)]
    [InlineData(-4, 10, 0)]
    public void RoundHalfUp_RoundsTiesAwayFromZero(long numerator, long denominator, long expected) =>
        Assert.Equal(Money.FromCents(expected), Money.RoundHalfUp(numerator, denominator));

    [Fact]
    public void Json_BreakdownRoundTrips_AsWorkflowHistoryStoresIt()
    {
        var price = ParkingPricing.Price(SpaceType.Regular, TimeSpan.FromHours(30), ParkingTariff.Default);

        var copy = JsonSerializer.Deserialize<PriceBreakdown>(JsonSerializer.Serialize(price));

        Assert.Equal(price, copy);
        Assert.Equal(Money.FromDollars(60), copy!.Total);
    }
}
