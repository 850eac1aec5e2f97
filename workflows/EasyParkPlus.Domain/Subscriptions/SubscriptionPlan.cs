using EasyParkPlus.Domain.Pricing;

namespace EasyParkPlus.Domain.Subscriptions;

public enum SubscriptionStatus
{
    Active,
    PastDue,
    Suspended,
    Cancelled,
}

// A monthly pass; `FacilityCode` null means the pass is valid at every facility.
public sealed record SubscriptionPlan(string Code, string Name, string? FacilityCode, Money MonthlyPrice)
{
    public bool CoversAllFacilities => FacilityCode is null;

    public bool Covers(string facilityCode) => FacilityCode is null || string.Equals(FacilityCode, facilityCode, StringComparison.Ordinal);
}

public static class SubscriptionPlans
{
    public const string BostonMonthly = "BOS-MONTHLY";
    public const string PhiladelphiaMonthly = "PHL-MONTHLY";
    public const string AllFacilitiesMonthly = "ALL-MONTHLY";

    public static Money DefaultAllFacilitiesPrice { get; } = Money.FromDollars(400);

    public static IReadOnlyList<SubscriptionPlan> Defaults(Money allFacilitiesPrice) =>
    [
        new(BostonMonthly, "Boston monthly pass", FacilityCodes.Boston, Money.FromDollars(250)),
        new(PhiladelphiaMonthly, "Philadelphia monthly pass", FacilityCodes.Philadelphia, Money.FromDollars(200)),
        new(AllFacilitiesMonthly, "All-facility monthly pass", null, allFacilitiesPrice),
    ];

    public static PriceBreakdown Renewal(SubscriptionPlan plan, BillingPeriod period) =>
        new([new PriceLine(
            PriceLineCodes.Subscription,
            $"{plan.Name}, {period.Start:yyyy-MM-dd} to {period.End:yyyy-MM-dd}",
            1, PriceUnits.Month, plan.MonthlyPrice, plan.MonthlyPrice)]);
}

// Periods are computed from the anchor (`anchor + n months`) rather than from the previous period,
// so a pass bought on January 31st renews on Feb 28th, Mar 31st, Apr 30th… instead of drifting to the 28th.
public readonly record struct BillingPeriod(DateTimeOffset Start, DateTimeOffset End)
{
    public static BillingPeriod Monthly(DateTimeOffset anchor, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new(anchor.AddMonths(index), anchor.AddMonths(index + 1));
    }
}
