using EasyParkPlus.Activities.Billing;
using EasyParkPlus.Activities.Reservations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Temporalio.Extensions.Hosting;

namespace EasyParkPlus.Activities.Parking;

public static class ParkingActivitiesRegistration
{
    // Parking, reservation and billing activities, scoped (a fresh DbContext per attempt). They need
    // AddEasyParkData, AddStripe and an IGatewayClient registered by the host.
    public static ITemporalWorkerServiceOptionsBuilder AddParkingActivities(this ITemporalWorkerServiceOptionsBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<ParkingPolicyOptions>().BindConfiguration(ParkingPolicyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return builder.AddScopedActivities<ParkingActivities>()
            .AddScopedActivities<ReservationActivities>()
            .AddScopedActivities<BillingActivities>();
    }
}
