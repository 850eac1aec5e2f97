using Temporalio.Activities;

namespace EasyParkPlus.Workflows.Subscriptions;

public interface ISubscriptionActivities
{
    // The plan and its monthly price as sold (seeded from the domain plans; all-facility price from config).
    [Activity("Subscriptions.GetPlan")]
    Task<PlanQuote> GetPlanAsync(string planCode);

    // Upserts the subscription row at once, so entry validation sees suspensions and resumptions immediately.
    [Activity("Subscriptions.Update")]
    Task UpdateSubscriptionAsync(SubscriptionUpdate update);
}
