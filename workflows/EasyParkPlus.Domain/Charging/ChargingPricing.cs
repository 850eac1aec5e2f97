using EasyParkPlus.Domain.Pricing;

namespace EasyParkPlus.Domain.Charging;

public static class ChargingPricing
{
    private const long WattHoursPerKilowattHour = 1000;

    // energyWh: meter stop − meter start. idleTime: the session's summed idle time (IdleClock).
    public static PriceBreakdown Price(long energyWh, TimeSpan idleTime, ChargingTariff tariff)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(energyWh);
        ArgumentOutOfRangeException.ThrowIfLessThan(idleTime, TimeSpan.Zero);
        if (tariff.EnergyPerKwh.IsNegative || tariff.SessionFee.IsNegative || tariff.IdlePerMinute.IsNegative || tariff.IdleGrace < TimeSpan.Zero)
        {
            throw new ArgumentException($"Charging tariff values must not be negative: {tariff}.", nameof(tariff));
        }

        var lines = new List<PriceLine>();
        // A session that never delivered energy (the car refused, the start failed) is not a
        // charging session to the driver, so it carries no session fee; idle time is still billed.
        if (energyWh > 0)
        {
            lines.Add(new PriceLine(PriceLineCodes.ChargingSessionFee, "Charging session fee", 1, PriceUnits.Each, tariff.SessionFee, tariff.SessionFee));
            lines.Add(new PriceLine(
                PriceLineCodes.ChargingEnergy,
                $"Energy at {tariff.EnergyPerKwh}/kWh",
                decimal.Divide(energyWh, WattHoursPerKilowattHour),
                PriceUnits.KilowattHour,
                tariff.EnergyPerKwh,
                EnergyCharge(energyWh, tariff.EnergyPerKwh)));
        }
        var idleMinutes = BillableIdleMinutes(idleTime, tariff.IdleGrace);
        if (idleMinutes > 0)
        {
            lines.Add(new PriceLine(
                PriceLineCodes.ChargingIdle,
                $"Idle fee at {tariff.IdlePerMinute}/min after a {ParkingPricing.FormatDuration(tariff.IdleGrace)} grace",
                idleMinutes, PriceUnits.Minute, tariff.IdlePerMinute, tariff.IdlePerMinute * idleMinutes));
        }
        return new(lines);
    }

    // The energy charge, rounded half-up to the cent once for the whole session.
    public static Money EnergyCharge(long energyWh, Money perKwh)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(energyWh);
        return Money.RoundHalfUp(checked(energyWh * perKwh.Cents), WattHoursPerKilowattHour);
    }

    // Idle minutes beyond the grace, each started minute counted whole.
    public static long BillableIdleMinutes(TimeSpan idleTime, TimeSpan grace)
    {
        var billable = idleTime - grace;
        return billable <= TimeSpan.Zero ? 0 : (billable.Ticks + TimeSpan.TicksPerMinute - 1) / TimeSpan.TicksPerMinute;
    }
}
