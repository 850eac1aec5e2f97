using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.ServiceDefaults;

public sealed class PostgresOptions
{
    public const string Section = "Postgres";

    [Required]
    public string ConnectionString { get; set; } = "";
}

public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Short environment variables an operator sets (documented in the README), mapped onto the
    /// configuration keys the options classes bind. The long form (<c>Postgres__ConnectionString</c>) works too.
    /// </summary>
    private static readonly Dictionary<string, string> ShortVariables = new()
    {
        ["EASYPARK_POSTGRES"] = "Postgres:ConnectionString",
        ["EASYPARK_REDIS"] = "Redis:Configuration",
        ["EASYPARK_GATEWAY_URL"] = "Gateway:BaseUrl",
        ["EASYPARK_API_URL"] = "Api:BaseUrl",
        ["EASYPARK_OTLP_ENDPOINT"] = "Telemetry:OtlpEndpoint",
        ["EASYPARK_GATEWAY_INTERNAL_KEY"] = "Gateway:InternalApiKey",
        ["EASYPARK_GATEWAY_INSTANCE_ID"] = "Gateway:InstanceId",
        ["EASYPARK_GATEWAY_INTERNAL_URL"] = "Gateway:InternalUrl",
        ["EASYPARK_GATEWAY_INTERNAL_LISTEN"] = "Gateway:InternalListenUrl",
        ["EASYPARK_JWT_SIGNING_KEY"] = "Auth:SigningKey",
        ["EASYPARK_STRIPE_API_KEY"] = "Stripe:ApiKey",
        ["EASYPARK_STRIPE_WEBHOOK_SECRET"] = "Stripe:WebhookSecret",
        ["EASYPARK_STRIPE_URL"] = "Stripe:BaseUrl",
        // Temporal's own names, as its CLI and SDK samples use them.
        ["TEMPORAL_ADDRESS"] = "Temporal:Address",
        ["TEMPORAL_NAMESPACE"] = "Temporal:Namespace",
        ["TEMPORAL_TASK_QUEUE"] = "Temporal:TaskQueue",
        ["TEMPORAL_API_KEY"] = "Temporal:ApiKey",
        ["TEMPORAL_TLS_CLIENT_CERT_PATH"] = "Temporal:ClientCertPath",
        ["TEMPORAL_TLS_CLIENT_KEY_PATH"] = "Temporal:ClientKeyPath",
    };

    /// <summary>What every EasyParkPlus process shares: configuration, JSON logs, telemetry, PostgreSQL, health checks.</summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        var mapped = ShortVariables
            .Select(pair => (pair.Value, Environment.GetEnvironmentVariable(pair.Key)))
            .Where(pair => !string.IsNullOrEmpty(pair.Item2))
            .ToDictionary(pair => pair.Item1, pair => pair.Item2);
        builder.Configuration.AddInMemoryCollection(mapped);

        builder.AddEasyParkLogging();
        builder.AddEasyParkTelemetry();

        builder.Services.AddOptions<PostgresOptions>()
            .BindConfiguration(PostgresOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PostgresOptions>>().Value;
            var dataSource = new NpgsqlDataSourceBuilder(options.ConnectionString);
            dataSource.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
            return dataSource.Build();
        });

        builder.Services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>("postgres", tags: [HealthEndpoints.ReadyTag]);
        return builder;
    }
}
