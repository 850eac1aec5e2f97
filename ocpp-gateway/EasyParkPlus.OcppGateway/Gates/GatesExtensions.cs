using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Gates;

public static class GatesExtensions
{
    // Everything the gate side needs; expects the NpgsqlDataSource from AddServiceDefaults.
    public static IHostApplicationBuilder AddGates(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GateOptions>().BindConfiguration(GateOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<GateStore>();
        services.AddSingleton<GateAuthenticator>();
        services.AddSingleton<GateConnectionRegistry>();
        services.AddSingleton<GateSocketSession>();
        services.AddSingleton<GateEventIngest>();
        services.AddSingleton<GateCommandSender>();
        services.AddSingleton<GateCommandDispatcher>();
        services.AddHttpClient(GateCommandDispatcher.HttpClientName);
        if (builder.Environment.IsDevelopment())
        {
            services.AddHostedService<DevelopmentGateSeeding>();
        }
        return builder;
    }

    // The controller endpoints on the app, the command endpoints on the internal (key-checked) group.
    public static IEndpointRouteBuilder MapGates(this IEndpointRouteBuilder endpoints, IEndpointRouteBuilder internalApi)
    {
        endpoints.MapGateDeviceEndpoints();
        internalApi.MapGateCommandEndpoints();
        return endpoints;
    }

    private sealed class DevelopmentGateSeeding(GateStore store, IOptions<GateOptions> options, ILogger<DevelopmentGateSeeding> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (!options.Value.SeedDevelopmentGates)
            {
                return;
            }
            if (options.Value.DevelopmentPassword.Length < 12)
            {
                GatesLog.SeedingSkipped(logger, "Gates:DevelopmentPassword is not set (./easypark run sets one per installation)");
                return;
            }
            try
            {
                GatesLog.Seeded(logger, await GateSeeder.SeedAsync(store, options.Value.DevelopmentPassword, cancellationToken));
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
            {
                // The api migrates the database; a gateway started first simply has no dev gates yet.
                GatesLog.SeedingSkipped(logger, ex.MessageText);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
