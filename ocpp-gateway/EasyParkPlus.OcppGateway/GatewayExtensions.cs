using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.OcppGateway.Ocpp;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EasyParkPlus.OcppGateway;

public static class GatewayExtensions
{
    // Development default for the internal key, so `./easypark run` works without setting one; the api uses the same.
    public const string DevelopmentInternalApiKey = "EasyPark-dev-internal-key-2026";

    /// <summary>The charger side and the shared parts (options, sink, ownership); gates add theirs with AddGates.</summary>
    public static IHostApplicationBuilder AddOcppGateway(this IHostApplicationBuilder builder)
    {
        // The EASYPARK_GATEWAY_* short names are mapped by AddServiceDefaults, which runs first.
        if (builder.Environment.IsDevelopment() && string.IsNullOrEmpty(builder.Configuration["Gateway:InternalApiKey"]))
        {
            builder.Configuration.AddInMemoryCollection([new("Gateway:InternalApiKey", DevelopmentInternalApiKey)]);
        }

        var services = builder.Services;
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDeviceEventSink, LoggingDeviceEventSink>();
        services.TryAddSingleton<IStationOwnership, PostgresStationOwnership>();
        services.AddSingleton<Internal.InternalKeyFilter>();
        services.AddSingleton<Internal.InternalListener>();
        return builder;
    }
}
