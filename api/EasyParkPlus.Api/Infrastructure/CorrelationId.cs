using System.Diagnostics;
using EasyParkPlus.ServiceDefaults;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>
/// Takes X-Correlation-Id from the request (or makes one), echoes it on the response, puts it in the logging
/// scope and on the current trace span, so one id follows a request through logs, traces and problem details.
/// </summary>
public sealed class CorrelationId(RequestDelegate next, ILogger<CorrelationId> logger)
{
    public const string Header = LoggingDefaults.CorrelationHeader;
    public const string ItemKey = "EasyPark.CorrelationId";

    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[Header].ToString();
        // Only short printable ids are echoed back: a header is no place for hostile input.
        var id = incoming.Length is > 0 and <= 128 && incoming.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? incoming
            : Guid.NewGuid().ToString("N");
        context.Items[ItemKey] = id;
        context.Response.Headers[Header] = id;
        Activity.Current?.SetTag("correlation.id", id);
        using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = id }))
        {
            await next(context);
        }
    }
}
