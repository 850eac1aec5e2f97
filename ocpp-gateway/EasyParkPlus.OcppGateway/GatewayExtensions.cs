using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.OcppGateway.Ocpp;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EasyParkPlus.OcppGateway;

public static class GatewayExtensions
{
    // Development default for the internal key, so `./easypark run` works without setting one; the api uses the same.
    public const string DevelopmentInternalApiKey = "EasyPark-dev-internal-key-2026";

    private static readonly Dictionary<string, string> ShortVariables = new()
    {
        ["EASYPARK_GATEWAY_INTERNAL_KEY"] = "Gateway:InternalApiKey",
        ["EASYPARK_GATEWAY_INSTANCE_ID"] = "Gateway:InstanceId",
        ["EASYPARK_GATEWAY_INTERNAL_URL"] = "Gateway:InternalUrl",
    };

    /// <summary>The charger side and the shared parts (options, sink, ownership); gates add theirs with AddGates.</summary>
    public static IHostApplicationBuilder AddOcppGateway(this IHostApplicationBuilder builder)
    {
        var mapped = ShortVariables
            .Select(pair => (pair.Value, Environment.GetEnvironmentVariable(pair.Key)))
            .Where(pair => !string.IsNullOrEmpty(pair.Item2))
            .ToDictionary(pair => pair.Item1, pair => pair.Item2);
        if (builder.Environment.IsDevelopment() && string.IsNullOrEmpty(builder.Configuration["Gateway:InternalApiKey"]) && !mapped.ContainsKey("Gateway:InternalApiKey"))
        {
            mapped["Gateway:InternalApiKey"] = DevelopmentInternalApiKey;
        }
        builder.Configuration.AddInMemoryCollection(mapped);

        var services = builder.Services;
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDeviceEventSink, LoggingDeviceEventSink>();
        services.TryAddSingleton<IStationOwnership, PostgresStationOwnership>();
        services.AddSingleton<Internal.InternalKeyFilter>();
        return builder;
    }
}
