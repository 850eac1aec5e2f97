using EasyParkPlus.Activities.Subscriptions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Temporalio.Extensions.Hosting;

namespace EasyParkPlus.Activities.Charging;

public static class ChargingActivitiesRegistration
{
    // Charging and subscription activities, scoped (a fresh DbContext per attempt). Invoices and
    // off-session charges come from the billing activities (AddParkingActivities); the host also
    // registers AddEasyParkData, AddStripe and an IGatewayClient.
    public static ITemporalWorkerServiceOptionsBuilder AddChargingActivities(this ITemporalWorkerServiceOptionsBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder.AddScopedActivities<ChargingActivities>().AddScopedActivities<SubscriptionActivities>();
    }
}
