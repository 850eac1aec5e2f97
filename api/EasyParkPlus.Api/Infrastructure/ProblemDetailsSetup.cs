using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Temporalio.Exceptions;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>Every error is an RFC 7807 problem with the correlation id and trace id in it.</summary>
public static class ProblemDetailsSetup
{
    public static IServiceCollection AddEasyParkProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            if (context.HttpContext.Items[CorrelationId.ItemKey] is string correlationId)
            {
                context.ProblemDetails.Extensions["correlationId"] = correlationId;
            }
            context.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
            if (context.ProblemDetails is HttpValidationProblemDetails validation)
            {
                JsonFieldNames(validation.Errors);
            }
        });
        services.AddExceptionHandler<ApiExceptionHandler>();
        return services;
    }

    // The built-in validation reports a field by its C# property name ("SlotStart"); clients know the JSON name ("slotStart").
    private static void JsonFieldNames(IDictionary<string, string[]> errors)
    {
        foreach (var key in errors.Keys.Where(k => k.Length > 0 && char.IsUpper(k[0])).ToList())
        {
            var messages = errors[key];
            errors.Remove(key);
            var name = JsonNamingPolicy.CamelCase.ConvertName(key);
            errors[name] = errors.TryGetValue(name, out var existing) ? [.. existing, .. messages] : messages;
        }
    }
}

/// <summary>Maps bad requests, Temporal and domain exceptions to problem details; anything else is a logged 500.</summary>
public sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // Client errors in the api's own words: the framework's and Temporal's messages name .NET types (see BadRequests).
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => BadRequests.Describe(bad),
            JsonException json => BadRequests.Describe(json),
            RpcException { Code: RpcException.StatusCode.NotFound } => (StatusCodes.Status404NotFound, "No such workflow.", (string?)null),
            RpcException { Code: RpcException.StatusCode.InvalidArgument } => (StatusCodes.Status400BadRequest, "The workflow does not accept this input.", (string?)null),
            WorkflowQueryFailedException or WorkflowQueryRejectedException => (StatusCodes.Status409Conflict, "The workflow could not answer the query.", (string?)null),
            WorkflowAlreadyStartedException => (StatusCodes.Status409Conflict, "The workflow is already running.", (string?)null),
            // Temporal unreachable or overloaded: the caller may retry; nothing was changed that a retry would repeat.
            RpcException { Code: RpcException.StatusCode.Unavailable or RpcException.StatusCode.DeadlineExceeded or RpcException.StatusCode.ResourceExhausted } =>
                (StatusCodes.Status503ServiceUnavailable, "Workflows are unavailable right now; try again shortly.", (string?)null),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested =>
                (499, "The client closed the request.", (string?)null),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred.", (string?)null),
        };
        if (status >= 500)
        {
            // The answer carries only the correlation id; the stack trace goes to the log under that id.
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path, httpContext.Items[CorrelationId.ItemKey] as string);
        }
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    [LoggerMessage(EventId = 5000, Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path} (correlation id {CorrelationId})")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path, string? correlationId);
}
