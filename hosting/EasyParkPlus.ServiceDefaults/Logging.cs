using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

namespace EasyParkPlus.ServiceDefaults;

/// <summary>
/// Serilog for every process: one JSON object per line on stdout (<c>@t</c>, <c>@m</c>, <c>@l</c>, trace id <c>@tr</c>,
/// span id <c>@sp</c>, and properties such as <c>CorrelationId</c> from logging scopes), levels from configuration.
/// </summary>
public static class LoggingDefaults
{
    /// <summary>The header a caller may send to tie its requests together; echoed on every response.</summary>
    public const string CorrelationHeader = "X-Correlation-Id";

    public static IHostApplicationBuilder AddEasyParkLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        // writeToProviders: the OpenTelemetry logging provider (OTLP export) still receives every event.
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ApplyLevelsFrom(builder.Configuration.GetSection("Logging:LogLevel"))
            .Enrich.FromLogContext()
            .WriteTo.Console(new ConsoleJsonFormatter()),
            writeToProviders: true);
        return builder;
    }

    /// <summary>
    /// One log event per request (method, path, status, elapsed, user, correlation id), from Serilog's request
    /// logging middleware: after routing it names the endpoint, and it sits in the request's trace.
    /// </summary>
    public static IApplicationBuilder UseEasyParkRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(options =>
        {
            options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            options.EnrichDiagnosticContext = (diagnostics, context) =>
            {
                diagnostics.Set("UserId", context.User.FindFirst("sub")?.Value);
                diagnostics.Set("CorrelationId", context.Response.Headers[CorrelationHeader].ToString());
            };
            // Probes every few seconds would drown the log.
            options.GetLevel = (context, _, error) =>
                error is not null || context.Response.StatusCode >= StatusCodes.Status500InternalServerError ? LogEventLevel.Error
                : context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal) ? LogEventLevel.Verbose
                : LogEventLevel.Information;
        });

    /// <summary>
    /// The documented <c>Logging:LogLevel</c> keys (<c>Logging__LogLevel__Default=Warning</c>) work as they do for
    /// Microsoft.Extensions.Logging: <c>Default</c> is the minimum, every other key overrides a category prefix.
    /// </summary>
    private static LoggerConfiguration ApplyLevelsFrom(this LoggerConfiguration logger, IConfigurationSection levels)
    {
        logger.MinimumLevel.Is(ToSerilog(levels["Default"]) ?? LogEventLevel.Information);
        foreach (var level in levels.GetChildren())
        {
            if (level.Key != "Default" && ToSerilog(level.Value) is { } parsed)
            {
                logger.MinimumLevel.Override(level.Key, parsed);
            }
        }
        return logger;
    }

    private static LogEventLevel? ToSerilog(string? level) =>
        Enum.TryParse<LogLevel>(level, ignoreCase: true, out var parsed)
            ? parsed switch
            {
                LogLevel.Trace => LogEventLevel.Verbose,
                LogLevel.Debug => LogEventLevel.Debug,
                LogLevel.Information => LogEventLevel.Information,
                LogLevel.Warning => LogEventLevel.Warning,
                LogLevel.Error => LogEventLevel.Error,
                // Serilog has no "off": Fatal is the closest it comes.
                _ => LogEventLevel.Fatal,
            }
            : null;
}
