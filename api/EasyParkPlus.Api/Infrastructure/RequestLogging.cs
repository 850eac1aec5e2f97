using System.Diagnostics;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>One structured (JSON, through the console formatter) log line per request.</summary>
public sealed partial class RequestLogging(RequestDelegate next, ILogger<RequestLogging> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LogRequest(logger, context.Request.Method, context.Request.Path.Value ?? "", context.Response.StatusCode, elapsed,
                context.User.FindFirst("sub")?.Value, context.Items[CorrelationId.ItemKey] as string);
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information,
        Message = "HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms (user {UserId}, correlation {CorrelationId})")]
    private static partial void LogRequest(ILogger logger, string method, string path, int statusCode, double elapsedMs, string? userId, string? correlationId);
}
