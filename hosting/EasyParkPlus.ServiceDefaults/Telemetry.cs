using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EasyParkPlus.ServiceDefaults;

/// <summary>The <c>Telemetry</c> section (<c>EASYPARK_OTLP_ENDPOINT</c>).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>OTLP/HTTP endpoint of a collector (e.g. <c>http://127.0.0.1:4318</c>); empty: nothing is exported.</summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary>The <c>service.name</c> resource attribute; the application's name when empty.</summary>
    public string ServiceName { get; set; } = "";
}

/// <summary>
/// OpenTelemetry for every process: traces of ASP.NET Core, HttpClient (Stripe, the gateway), Npgsql and our own
/// sources; metrics of the same plus the runtime and our own meters; all three signals over OTLP when an endpoint
/// is configured.
/// </summary>
public static class TelemetryDefaults
{
    /// <summary>Our activity sources and meters are named <c>EasyParkPlus.*</c>: subscribe to them all.</summary>
    public const string OwnSources = "EasyParkPlus.*";

    public static IHostApplicationBuilder AddEasyParkTelemetry(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var serviceName = string.IsNullOrWhiteSpace(options.ServiceName) ? builder.Environment.ApplicationName : options.ServiceName;
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                .AddSource(OwnSources)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal))
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(OwnSources)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation())
            .WithLogging();
        if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint))
        {
            telemetry.UseOtlpExporter(OtlpExportProtocol.HttpProtobuf, new Uri(options.OtlpEndpoint.TrimEnd('/') + "/"));
        }
        return builder;
    }
}
