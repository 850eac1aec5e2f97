namespace EasyParkPlus.Domain.Pricing;

// The hourly rates of one kind of space. `FirstHours` of the stay (counted from entry, not per
// window) cost `FirstHoursRate`; every later hour costs `HourlyRate`; each 24-hour window
// counted from entry costs at most `WindowCap`.
public sealed record ParkingRate(Money FirstHoursRate, int FirstHours, Money HourlyRate, Money WindowCap)
{
    public static ParkingRate Flat(Money hourlyRate, Money windowCap) => new(hourlyRate, 0, hourlyRate, windowCap);
}

public sealed record ParkingTariff
{
    public static ParkingTariff Default { get; } = new();

    public ParkingRate Regular { get; init; } = new(Money.FromDollars(3), 3, Money.FromDollars(5), Money.FromDollars(30));

    public ParkingRate Ev { get; init; } = ParkingRate.Flat(Money.FromDollars(4), Money.FromDollars(35));

    // A stay no longer than this is free; a longer one is billed from entry.
    public TimeSpan Grace { get; init; } = TimeSpan.FromMinutes(10);

    // Accessible spaces are priced like regular ones by policy, not by a rate of their own.
    public ParkingRate RateFor(SpaceType spaceType) => spaceType == SpaceType.Ev ? Ev : Regular;
}
