using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.ServiceDefaults.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EasyParkPlus.OcppGateway;

public static class GatewayExtensions
{
    /// <summary>The charger side and the shared parts (options, sink, ownership); gates add theirs with AddGates.</summary>
    public static IHostApplicationBuilder AddOcppGateway(this IHostApplicationBuilder builder)
    {
        // The EASYPARK_GATEWAY_* short names are mapped by AddServiceDefaults, which runs first. The internal key has no
        // default, in Development neither: `./easypark run` makes one per run.
        var services = builder.Services;
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDeviceEventSink, LoggingDeviceEventSink>();
        // One ownership claim for stations and gates, renewed while this instance runs.
        services.AddSingleton<DeviceOwnership>();
        services.AddSingleton<IDeviceOwnership>(provider => provider.GetRequiredService<DeviceOwnership>());
        services.AddHostedService(provider => provider.GetRequiredService<DeviceOwnership>());
        // One outbox for gate events and charger transaction events.
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DeviceEventOutbox>();
        services.AddHostedService(provider => provider.GetRequiredService<DeviceEventOutbox>());
        services.AddSingleton<Internal.InternalKeyFilter>();
        // Per instance: the gateway keeps no shared cache, so N instances allow N times the failures (still 10 per 15 min each).
        services.AddLoginThrottle();
        services.AddSingleton<Internal.InternalListener>();
        return builder;
    }
}
