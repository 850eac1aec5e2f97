using EasyParkPlus.Activities.Charging;
using EasyParkPlus.Activities.Gateway;
using EasyParkPlus.Activities.Parking;
using EasyParkPlus.Workflows.Charging;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;
using EasyParkPlus.Workflows.Subscriptions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Temporalio.Extensions.Hosting;

namespace EasyParkPlus.Activities.Hosting;

public static class WorkerRegistration
{
    /// <summary>
    /// A hosted Temporal worker on the configured task queue (Temporal:TaskQueue, TEMPORAL_TASK_QUEUE) for the four
    /// business workflows and their activities, scoped per attempt. It uses the client AddTemporalClient registered;
    /// the host also adds AddEasyParkData and AddStripe. Gate and charger commands go to the ocpp-gateway when
    /// Gateway:BaseUrl is set, and fail clearly (retried by Temporal) when it is not.
    /// </summary>
    public static ITemporalWorkerServiceOptionsBuilder AddEasyParkWorker(this IHostApplicationBuilder builder)
    {
        // The api may have registered the gateway client already (it reads live state through it too).
        if (!string.IsNullOrEmpty(builder.Configuration["Gateway:BaseUrl"]) && !builder.Services.Any(d => d.ServiceType == typeof(IGatewayClient)))
        {
            builder.AddGatewayClient();
        }
        builder.Services.TryAddSingleton<IGatewayClient, GatewayNotConfigured>();
        var taskQueue = builder.Configuration["Temporal:TaskQueue"] is { Length: > 0 } configured ? configured : ParkingWorkflowIds.TaskQueue;
        return builder.Services.AddHostedTemporalWorker(taskQueue)
            .AddWorkflow<ParkingSession>()
            .AddWorkflow<Reservation>()
            .AddWorkflow<ChargingSession>()
            .AddWorkflow<SubscriptionRenewal>()
            .AddParkingActivities()
            .AddChargingActivities();
    }
}
