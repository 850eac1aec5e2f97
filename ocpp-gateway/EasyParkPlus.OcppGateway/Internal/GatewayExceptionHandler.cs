using Microsoft.AspNetCore.Diagnostics;

namespace EasyParkPlus.OcppGateway.Internal;

/// <summary>
/// Whatever escapes an endpoint becomes a 500 problem that names a correlation id and nothing else: no stack trace or
/// source path reaches a device or caller (not even the developer exception page in Development); the id leads to the
/// logged exception.
/// </summary>
public sealed partial class GatewayExceptionHandler(IProblemDetailsService problems, ILogger<GatewayExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var correlationId = httpContext.TraceIdentifier;
        LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path, correlationId);
        httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "An unexpected error occurred.",
                Extensions = { ["correlationId"] = correlationId },
            },
        });
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path} (correlation id {CorrelationId})")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path, string correlationId);
}
