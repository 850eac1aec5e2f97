using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Domain.Subscriptions;

namespace EasyParkPlus.Domain.Tests;

public class SubscriptionTests
{
    [Fact]
    public void Defaults_LaunchPlans_HaveTheirMonthlyPricesAndScopes()
    {
        var plans = SubscriptionPlans.Defaults(Money.FromDollars(420)).ToDictionary(plan => plan.Code);

        (plans[SubscriptionPlans.BostonMonthly].MonthlyPrice, plans[SubscriptionPlans.BostonMonthly].FacilityCode).Should().Be((Money.FromDollars(250), FacilityCodes.Boston));
        (plans[SubscriptionPlans.PhiladelphiaMonthly].MonthlyPrice, plans[SubscriptionPlans.PhiladelphiaMonthly].FacilityCode).Should().Be((Money.FromDollars(200), FacilityCodes.Philadelphia));
        plans[SubscriptionPlans.AllFacilitiesMonthly].MonthlyPrice.Should().Be(Money.FromDollars(420));
        plans[SubscriptionPlans.AllFacilitiesMonthly].CoversAllFacilities.Should().BeTrue();
    }

    [Fact]
    public void Covers_FacilityPlan_CoversOnlyItsFacility()
    {
        var plans = SubscriptionPlans.Defaults(SubscriptionPlans.DefaultAllFacilitiesPrice).ToDictionary(plan => plan.Code);

        plans[SubscriptionPlans.BostonMonthly].Covers(FacilityCodes.Boston).Should().BeTrue();
        plans[SubscriptionPlans.BostonMonthly].Covers(FacilityCodes.Philadelphia).Should().BeFalse();
        plans[SubscriptionPlans.AllFacilitiesMonthly].Covers(FacilityCodes.Philadelphia).Should().BeTrue();
    }

    [Fact]
    public void Renewal_IsOneLineAtThePlanPrice()
    {
        var plan = SubscriptionPlans.Defaults(SubscriptionPlans.DefaultAllFacilitiesPrice)[0];
        var period = BillingPeriod.Monthly(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), 0);

        var price = SubscriptionPlans.Renewal(plan, period);

        var line = price.Lines.Should().ContainSingle().Which;
        (line.Code, price.Total).Should().Be((PriceLineCodes.Subscription, Money.FromDollars(250)));
        line.Description.Should().Contain("2026-12-01 to 2027-01-01");
    }

    [Fact]
    public void Monthly_AnchorOnThe31st_NeverDriftsToTheShortestMonth()
    {
        var anchor = new DateTimeOffset(2026, 1, 31, 8, 0, 0, TimeSpan.Zero);

        BillingPeriod.Monthly(anchor, 1).Start.Should().Be(new DateTimeOffset(2026, 2, 28, 8, 0, 0, TimeSpan.Zero));
        BillingPeriod.Monthly(anchor, 2).Start.Should().Be(new DateTimeOffset(2026, 3, 31, 8, 0, 0, TimeSpan.Zero));
        BillingPeriod.Monthly(anchor, 1).End.Should().Be(BillingPeriod.Monthly(anchor, 2).Start);
    }

    [Fact]
    public void Attempts_DefaultSchedule_RetriesOnDays135ThenSuspends()
    {
        var due = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

        var attempts = DunningSchedule.Default.Attempts(due);

        attempts.Select(attempt => attempt.At).Should().Equal([due, due.AddDays(1), due.AddDays(3), due.AddDays(5)]);
        attempts.Select(attempt => attempt.StatusOnFailure).Should().Equal([SubscriptionStatus.PastDue, SubscriptionStatus.PastDue, SubscriptionStatus.PastDue, SubscriptionStatus.Suspended]);
        attempts[0].IsRetry.Should().BeFalse();
        attempts[3].IsRetry.Should().BeTrue();
    }

    [Fact]
    public void Attempts_NoRetries_SuspendsAfterTheFirstFailure()
    {
        var attempt = (new DunningSchedule([]).Attempts(DateTimeOffset.UnixEpoch)).Should().ContainSingle().Which;

        attempt.StatusOnFailure.Should().Be(SubscriptionStatus.Suspended);
    }
}
