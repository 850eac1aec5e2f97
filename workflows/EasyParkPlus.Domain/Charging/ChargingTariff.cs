namespace EasyParkPlus.Domain.Charging;

public sealed record ChargingTariff
{
    public static ChargingTariff Default { get; } = new();

    public Money EnergyPerKwh { get; init; } = Money.FromCents(35);

    public Money SessionFee { get; init; } = Money.FromDollars(2);

    public Money IdlePerMinute { get; init; } = Money.FromCents(50);

    // One grace per session, applied to the summed idle time of all its idle periods: a car that
    // pauses twice for 4 minutes is idle 8 minutes and pays for 3, not for 0.
    public TimeSpan IdleGrace { get; init; } = TimeSpan.FromMinutes(5);
}
