using EasyParkPlus.Data;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.Workflows;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EasyParkPlus.OcppGateway.Workflows;

public static class WorkflowRoutingExtensions
{
    /// <summary>
    /// The gateway is a Temporal client only: it starts and signals workflows, and the worker runs them. Sessions are
    /// found by business key (ids derived from the device event, or the rows their workflows wrote when they started),
    /// never by listing workflows.
    /// </summary>
    public static IHostApplicationBuilder AddWorkflowRouting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddEasyParkData(builder.Configuration["Postgres:ConnectionString"] ?? "");
        builder.AddEasyParkTemporalClient(EasyParkSearchAttributes.All);
        builder.Services.AddScoped<GateEventRouter>();
        builder.Services.AddScoped<ChargerEventRouter>();
        // Replaces the logging default the gateway registers when nothing else is configured.
        builder.Services.Replace(ServiceDescriptor.Scoped<IDeviceEventSink, WorkflowDeviceEventSink>());
        return builder;
    }
}
