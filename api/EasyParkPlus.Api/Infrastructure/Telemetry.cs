using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>Bound from "Telemetry" (env EASYPARK_OTLP_ENDPOINT).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>OTLP/HTTP endpoint (e.g. http://127.0.0.1:4318); empty records spans without exporting them.</summary>
    public string OtlpEndpoint { get; set; } = "";

    public string ServiceName { get; set; } = "easypark-api";
}

/// <summary>
/// OpenTelemetry wired by hand (the hosting and instrumentation packages do not restore here): a tracer provider
/// listening to ASP.NET Core, HttpClient, Npgsql and our own sources, exported over OTLP when configured.
/// </summary>
public static class Telemetry
{
    public static readonly ActivitySource Source = new("EasyParkPlus.Api");

    public static IServiceCollection AddEasyParkTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        services.AddSingleton(_ =>
        {
            var builder = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(options.ServiceName))
                .AddSource("EasyParkPlus.*", "Microsoft.AspNetCore", "System.Net.Http", "Npgsql");
            if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint))
            {
                builder.AddOtlpExporter(o =>
                {
                    o.Endpoint = new Uri(options.OtlpEndpoint.TrimEnd('/') + "/v1/traces");
                    o.Protocol = OtlpExportProtocol.HttpProtobuf;
                });
            }
            return builder.Build();
        });
        // Resolving the provider at start-up is what starts listening; DI disposes (flushes) it at shutdown.
        services.AddHostedService<TelemetryStarter>();
        return services;
    }

    private sealed class TelemetryStarter(TracerProvider provider) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            provider.ForceFlush(2000);
            return Task.CompletedTask;
        }
    }
}
