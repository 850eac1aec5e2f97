using EasyParkPlus.Domain.Charging;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Domain.Reservations;
using FsCheck;
using FsCheck.Fluent;

namespace EasyParkPlus.Domain.Tests;

public class PricingPropertyTests
{
    private const int SixtyDaysInSeconds = 60 * 24 * 3600;

    private static readonly Gen<SpaceType> SpaceTypes = Gen.Elements(SpaceType.Regular, SpaceType.Ev, SpaceType.Accessible);

    // Stays up to 60 days, biased towards the interesting first hours and window boundaries.
    private static readonly Gen<TimeSpan> Stays = Gen.OneOf(
            Gen.Choose(0, 4 * 3600),
            Gen.Choose(0, SixtyDaysInSeconds),
            Gen.Choose(1, 10).Select(days => (days * 86400) - 1),
            Gen.Choose(1, 10).Select(days => days * 86400),
            Gen.Choose(1, 10).Select(days => (days * 86400) + 1))
        .Select(seconds => TimeSpan.FromSeconds(seconds));

    private static void Check(Property property) => FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), property);

    [Fact]
    public void Price_LongerStay_NeverCostsLess() =>
        Check(Prop.ForAll(
            Gen.Zip(SpaceTypes, Gen.Two(Stays)).ToArbitrary(),
            input =>
            {
                var (type, (a, b)) = input;
                var (shorter, longer) = a <= b ? (a, b) : (b, a);
                return ParkingPricing.Price(type, shorter, ParkingTariff.Default).Total <= ParkingPricing.Price(type, longer, ParkingTariff.Default).Total;
            }));

    [Fact]
    public void Price_EveryTwentyFourHourWindow_StaysWithinItsCap() =>
        Check(Prop.ForAll(
            Gen.Zip(SpaceTypes, Stays).ToArbitrary(),
            input =>
            {
                var (type, stay) = input;
                var cap = ParkingTariff.Default.RateFor(type).WindowCap;
                var hours = ParkingPricing.StartedHours(stay);
                var windows = (hours + 23) / 24;
                var total = ParkingPricing.Price(type, stay, ParkingTariff.Default).Total;
                // Windows are priced independently, so the last (possibly partial) window costs
                // what the whole stay costs beyond the full windows before it.
                var fullWindowsBefore = Math.Max(0, windows - 1);
                var beforeLast = fullWindowsBefore == 0 ? Money.Zero : ParkingPricing.Price(type, TimeSpan.FromHours(24 * fullWindowsBefore), ParkingTariff.Default).Total;
                return total <= cap * windows && total - beforeLast <= cap && total - beforeLast >= Money.Zero;
            }));

    [Fact]
    public void Price_ParkingBreakdown_SumsToTheTotalAndEachLineIsQuantityTimesUnitPrice() =>
        Check(Prop.ForAll(
            Gen.Zip(SpaceTypes, Stays).ToArbitrary(),
            input =>
            {
                var price = ParkingPricing.Price(input.Item1, input.Item2, ParkingTariff.Default);
                return Money.Sum(price.Lines.Select(line => line.Amount)) == price.Total
                    && price.Lines.All(line => line.Amount == line.UnitPrice * (long)line.Quantity && line.Quantity == decimal.Truncate(line.Quantity))
                    && price.Lines.Select(line => line.Code).Distinct().Count() == price.Lines.Count;
            }));

    [Fact]
    public void Price_ChargingBreakdown_SumsToTheTotalAndNeverDecreasesWithMoreEnergyOrIdle() =>
        Check(Prop.ForAll(
            Gen.Zip(Gen.Two(Gen.Choose(0, 200_000)), Gen.Two(Gen.Choose(0, 6 * 3600))).ToArbitrary(),
            input =>
            {
                var ((wh1, wh2), (idle1, idle2)) = input;
                var low = ChargingPricing.Price(Math.Min(wh1, wh2), TimeSpan.FromSeconds(Math.Min(idle1, idle2)), ChargingTariff.Default);
                var high = ChargingPricing.Price(Math.Max(wh1, wh2), TimeSpan.FromSeconds(Math.Max(idle1, idle2)), ChargingTariff.Default);
                return Money.Sum(high.Lines.Select(line => line.Amount)) == high.Total && low.Total <= high.Total;
            }));

    [Fact]
    public void EnergyCharge_IsWithinHalfACentOfTheExactAmount() =>
        Check(Prop.ForAll(
            Gen.Choose(0, int.MaxValue).ToArbitrary(),
            wattHours =>
            {
                var charged = ChargingPricing.EnergyCharge(wattHours, ChargingTariff.Default.EnergyPerKwh).Cents;
                var exactTimesThousand = (long)wattHours * 35;
                return Math.Abs((charged * 1000) - exactTimesThousand) <= 500;
            }));

    [Fact]
    public void Refund_NeverExceedsThePrepaymentAndIsNeverNegative() =>
        Check(Prop.ForAll(
            Gen.Zip(Gen.Zip(Gen.Choose(0, 1_000_000), Gen.Choose(-48 * 60, 48 * 60)), Gen.ListOf(Gen.Zip(Gen.Choose(-120, 48 * 60), Gen.Choose(0, 100)))).ToArbitrary(),
            input =>
            {
                var ((prepaidCents, minutesBeforeStart), tiers) = input;
                var policy = ReservationPolicy.Default with
                {
                    RefundTiers = [.. tiers.Select(tier => new CancellationRefundTier(TimeSpan.FromMinutes(tier.Item1), tier.Item2))],
                };
                var start = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
                var prepaid = Money.FromCents(prepaidCents);
                var refund = ReservationPricing.Refund(prepaid, start, start.AddMinutes(-minutesBeforeStart), policy);
                var defaultRefund = ReservationPricing.Refund(prepaid, start, start.AddMinutes(-minutesBeforeStart), ReservationPolicy.Default);
                return refund.Amount >= Money.Zero && refund.Amount <= prepaid && defaultRefund.Amount >= Money.Zero && defaultRefund.Amount <= prepaid;
            }));

    [Fact]
    public void SettleArrival_DueIsActualPriceMinusPrepaymentButNeverNegative() =>
        Check(Prop.ForAll(
            Gen.Zip(Gen.Zip(SpaceTypes, Stays), Gen.Choose(0, 100_000)).ToArbitrary(),
            input =>
            {
                var ((type, stay), prepaidCents) = input;
                var actual = ParkingPricing.Price(type, stay, ParkingTariff.Default);
                var due = ReservationPricing.SettleArrival(actual, Money.FromCents(prepaidCents));
                return due.Total == Money.Max(Money.Zero, actual.Total - Money.FromCents(prepaidCents))
                    && Money.Sum(due.Lines.Select(line => line.Amount)) == due.Total;
            }));

    [Fact]
    public void Measure_IdleTime_NeverExceedsTheSessionAndSuspendedEvseAloneIsNeverIdle()
    {
        var start = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var states = Gen.Elements(Enum.GetValues<ChargingState>());
        var changes = Gen.ListOf(Gen.Zip(Gen.Choose(0, 600), states));
        Check(Prop.ForAll(
            Gen.Zip(changes, Gen.Choose(0, 700)).ToArbitrary(),
            input =>
            {
                var (list, untilMinute) = input;
                var stateChanges = list.Select(change => new ChargingStateChange(start.AddMinutes(change.Item1), change.Item2)).ToList();
                var until = start.AddMinutes(untilMinute);
                var idle = IdleClock.Measure(stateChanges, until);
                var withoutIdleStates = IdleClock.Measure(
                    stateChanges.Select(change => change.State is ChargingState.SuspendedEV or ChargingState.EVConnected ? change with { State = ChargingState.SuspendedEVSE } : change),
                    until);
                var ordered = idle.Periods.Zip(idle.Periods.Skip(1)).All(pair => pair.First.End <= pair.Second.Start);
                return idle.Total <= until - start && idle.Periods.All(period => period.Duration > TimeSpan.Zero && period.End <= until)
                    && ordered && withoutIdleStates.Total == TimeSpan.Zero;
            }));
    }
}
