using System.Globalization;

namespace EasyParkPlus.Domain.Pricing;

public static class ParkingPricing
{
    public const int HoursPerWindow = 24;

    public static PriceBreakdown Price(SpaceType spaceType, DateTimeOffset entry, DateTimeOffset exit, ParkingTariff tariff) =>
        Price(spaceType, exit - entry, tariff);

    public static PriceBreakdown Price(SpaceType spaceType, TimeSpan stay, ParkingTariff tariff)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stay, TimeSpan.Zero);
        Validate(tariff);
        if (stay <= tariff.Grace)
        {
            return new([new PriceLine(
                PriceLineCodes.ParkingGrace,
                $"Free stay within the {FormatDuration(tariff.Grace)} grace period",
                1, PriceUnits.Each, Money.Zero, Money.Zero)]);
        }

        var rate = tariff.RateFor(spaceType);
        var hours = StartedHours(stay);
        var lines = new LineAccumulator();
        for (long windowStart = 0; windowStart < hours; windowStart += HoursPerWindow)
        {
            var windowHours = Math.Min(HoursPerWindow, hours - windowStart);
            var firstHours = Math.Clamp(rate.FirstHours - windowStart, 0, windowHours);
            var laterHours = windowHours - firstHours;
            var uncapped = (rate.FirstHoursRate * firstHours) + (rate.HourlyRate * laterHours);
            if (uncapped > rate.WindowCap)
            {
                lines.Add(PriceLineCodes.ParkingDailyMaximum, $"{Name(spaceType)} 24-hour maximum", 1, PriceUnits.Day, rate.WindowCap);
                continue;
            }
            if (firstHours > 0)
            {
                lines.Add(PriceLineCodes.ParkingFirstHours,
                    $"{Name(spaceType)}, first {rate.FirstHours} hours at {rate.FirstHoursRate}/h", firstHours, PriceUnits.Hour, rate.FirstHoursRate);
            }
            if (laterHours > 0)
            {
                lines.Add(PriceLineCodes.ParkingHours, $"{Name(spaceType)}, hours at {rate.HourlyRate}/h", laterHours, PriceUnits.Hour, rate.HourlyRate);
            }
        }
        return new(lines.ToList());
    }

    // Billing is per started hour: 3 h 0 min is 3 hours, 3 h 0 min 1 s is 4.
    public static long StartedHours(TimeSpan stay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stay, TimeSpan.Zero);
        return (stay.Ticks + TimeSpan.TicksPerHour - 1) / TimeSpan.TicksPerHour;
    }

    private static void Validate(ParkingTariff tariff)
    {
        foreach (var rate in new[] { tariff.Regular, tariff.Ev })
        {
            if (rate.FirstHoursRate.IsNegative || rate.HourlyRate.IsNegative || rate.WindowCap.IsNegative || rate.FirstHours < 0)
            {
                throw new ArgumentException($"Parking rates must not be negative: {rate}.", nameof(tariff));
            }
        }
        if (tariff.Grace < TimeSpan.Zero)
        {
            throw new ArgumentException("The parking grace period must not be negative.", nameof(tariff));
        }
    }

    private static string Name(SpaceType spaceType) => spaceType switch
    {
        SpaceType.Ev => "EV space",
        SpaceType.Accessible => "Accessible space",
        _ => "Regular space",
    };

    internal static string FormatDuration(TimeSpan duration) =>
        duration.Ticks % TimeSpan.TicksPerMinute == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{duration.Ticks / TimeSpan.TicksPerMinute}-minute")
            : string.Create(CultureInfo.InvariantCulture, $"{duration.Ticks / TimeSpan.TicksPerSecond}-second");

    // Merges lines of the same code and unit price so a month-long stay reads "30 × 24-hour
    // maximum", not thirty lines; first appearance decides the order.
    private sealed class LineAccumulator
    {
        private readonly List<PriceLine> _lines = [];

        public void Add(string code, string description, long quantity, string unit, Money unitPrice)
        {
            var index = _lines.FindIndex(line => line.Code == code && line.UnitPrice == unitPrice);
            if (index < 0)
            {
                _lines.Add(new PriceLine(code, description, quantity, unit, unitPrice, unitPrice * quantity));
                return;
            }
            var existing = _lines[index];
            var merged = existing.Quantity + quantity;
            _lines[index] = existing with { Quantity = merged, Amount = unitPrice * (long)merged };
        }

        public List<PriceLine> ToList() => _lines;
    }
}
