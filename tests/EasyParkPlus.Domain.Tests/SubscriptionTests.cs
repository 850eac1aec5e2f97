using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Domain.Subscriptions;

namespace EasyParkPlus.Domain.Tests;

public class SubscriptionTests
{
    [Fact]
    public void Defaults_LaunchPlans_HaveTheirMonthlyPricesAndScopes()
    {
        var plans = SubscriptionPlans.Defaults(Money.FromDollars(420)).ToDictionary(plan => plan.Code);

        Assert.Equal((Money.FromDollars(250), FacilityCodes.Boston), (plans[SubscriptionPlans.BostonMonthly].MonthlyPrice, plans[SubscriptionPlans.BostonMonthly].FacilityCode));
        Assert.Equal((Money.FromDollars(200), FacilityCodes.Philadelphia), (plans[SubscriptionPlans.PhiladelphiaMonthly].MonthlyPrice, plans[SubscriptionPlans.PhiladelphiaMonthly].FacilityCode));
        Assert.Equal(Money.FromDollars(420), plans[SubscriptionPlans.AllFacilitiesMonthly].MonthlyPrice);
        Assert.True(plans[SubscriptionPlans.AllFacilitiesMonthly].CoversAllFacilities);
    }

    [Fact]
    public void Covers_FacilityPlan_CoversOnlyItsFacility()
    {
        var plans = SubscriptionPlans.Defaults(SubscriptionPlans.DefaultAllFacilitiesPrice).ToDictionary(plan => plan.Code);

        Assert.True(plans[SubscriptionPlans.BostonMonthly].Covers(FacilityCodes.Boston));
        Assert.False(plans[SubscriptionPlans.BostonMonthly].Covers(FacilityCodes.Philadelphia));
        Assert.True(plans[SubscriptionPlans.AllFacilitiesMonthly].Covers(FacilityCodes.Philadelphia));
    }

    [Fact]
    public void Renewal_IsOneLineAtThePlanPrice()
    {
        var plan = SubscriptionPlans.Defaults(SubscriptionPlans.DefaultAllFacilitiesPrice)[0];
        var period = BillingPeriod.Monthly(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), 0);

        var price = SubscriptionPlans.Renewal(plan, period);

        var line = Assert.Single(price.Lines);
        Assert.Equal((PriceLineCodes.Subscription, Money.FromDollars(250)), (line.Code, price.Total));
        Assert.Contains("2026-12-01 to 2027-01-01", line.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Monthly_AnchorOnThe31st_NeverDriftsToTheShortestMonth()
    {
        var anchor = new DateTimeOffset(2026, 1, 31, 8, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 2, 28, 8, 0, 0, TimeSpan.Zero), BillingPeriod.Monthly(anchor, 1).Start);
        Assert.Equal(new DateTimeOffset(2026, 3, 31, 8, 0, 0, TimeSpan.Zero), BillingPeriod.Monthly(anchor, 2).Start);
        Assert.Equal(BillingPeriod.Monthly(anchor, 2).Start, BillingPeriod.Monthly(anchor, 1).End);
    }

    [Fact]
    public void Attempts_DefaultSchedule_RetriesOnDays135ThenSuspends()
    {
        var due = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

        var attempts = DunningSchedule.Default.Attempts(due);

        Assert.Equal([due, due.AddDays(1), due.AddDays(3), due.AddDays(5)], attempts.Select(attempt => attempt.At));
        Assert.Equal([SubscriptionStatus.PastDue, SubscriptionStatus.PastDue, SubscriptionStatus.PastDue, SubscriptionStatus.Suspended],
            attempts.Select(attempt => attempt.StatusOnFailure));
        Assert.False(attempts[0].IsRetry);
        Assert.True(attempts[3].IsRetry);
    }

    [Fact]
    public void Attempts_NoRetries_SuspendsAfterTheFirstFailure()
    {
        var attempt = Assert.Single(new DunningSchedule([]).Attempts(DateTimeOffset.UnixEpoch));

        Assert.Equal(SubscriptionStatus.Suspended, attempt.StatusOnFailure);
    }
}
