using EasyParkPlus.Data;
using EasyParkPlus.Engine.Hosting;
using EasyParkPlus.Engine.Postgres;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.Workflows.Charging;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EasyParkPlus.OcppGateway.Workflows;

public static class WorkflowRoutingExtensions
{
    /// <summary>
    /// The gateway is a workflow client only: it starts and signals workflows in PostgreSQL and the api's workers
    /// run them. The workflow types are registered so signals are checked against their definitions here.
    /// </summary>
    public static IHostApplicationBuilder AddWorkflowRouting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddEasyParkData(builder.Configuration["Postgres:ConnectionString"] ?? "");
        builder.Services.AddWorkflowEngine().UsePostgres()
            .AddWorkflow<ParkingSession>()
            .AddWorkflow<Reservation>()
            .AddWorkflow<ChargingSession>();
        builder.Services.AddScoped<GateEventRouter>();
        builder.Services.AddScoped<ChargerEventRouter>();
        // Replaces the logging default the gateway registers when nothing else is configured.
        builder.Services.Replace(ServiceDescriptor.Scoped<IDeviceEventSink, WorkflowDeviceEventSink>());
        return builder;
    }
}
