using EasyParkPlus.Data.GatewayApi;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EasyParkPlus.OcppGateway.Gates;

// POST /internal/v1/gates/{gateId}/open and /message, mapped onto the internal group (which checks
// the internal API key). Errors are problem details: 400 invalid, 404 unknown gate, 409 the
// controller refused, 503 offline (fast), 504 no ack within Gates:CommandTimeout.
public static class GateCommandEndpoints
{
    public static IEndpointRouteBuilder MapGateCommandEndpoints(this IEndpointRouteBuilder internalGroup)
    {
        internalGroup.MapPost("/gates/{gateId}/open", OpenAsync);
        internalGroup.MapPost("/gates/{gateId}/message", MessageAsync);
        return internalGroup;
    }

    private static async Task<Results<Ok<GateCommandResponse>, ProblemHttpResult>> OpenAsync(
        HttpContext context, string gateId, GateCommandDispatcher dispatcher)
    {
        var (request, problem) = await ReadAsync<OpenGateRequest>(context);
        if (problem is not null)
        {
            return problem;
        }
        if (!GateProtocol.IsValidId(request!.SessionId))
        {
            return Invalid("\"sessionId\" is required: 1-64 characters from A-Z a-z 0-9 . _ : -.");
        }
        if (GateProtocol.ValidateText(request.Message, "message", required: false) is { } error)
        {
            return Invalid(error);
        }
        return await DispatchAsync(context, gateId, new OpenBarrierCommand(request.SessionId!, request.Message), dispatcher);
    }

    private static async Task<Results<Ok<GateCommandResponse>, ProblemHttpResult>> MessageAsync(
        HttpContext context, string gateId, GateCommandDispatcher dispatcher)
    {
        var (request, problem) = await ReadAsync<GateMessageRequest>(context);
        if (problem is not null)
        {
            return problem;
        }
        if (GateProtocol.ValidateText(request!.Text, "text", required: true) is { } error)
        {
            return Invalid(error);
        }
        return await DispatchAsync(context, gateId, new ShowMessageCommand(request.Text!), dispatcher);
    }

    private static async Task<Results<Ok<GateCommandResponse>, ProblemHttpResult>> DispatchAsync(
        HttpContext context, string gateId, GateCommand command, GateCommandDispatcher dispatcher)
    {
        if (!GateProtocol.IsValidId(gateId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown gate");
        }
        var result = await dispatcher.DispatchAsync(gateId, command, context.Request.Headers, context.RequestAborted);
        return result.Outcome switch
        {
            GateDispatchOutcome.Acknowledged => TypedResults.Ok(new GateCommandResponse(true)),
            GateDispatchOutcome.UnknownGate => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown gate",
                detail: $"No gate {gateId} is registered."),
            GateDispatchOutcome.Rejected => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Gate rejected the command",
                detail: result.Detail),
            GateDispatchOutcome.TimedOut => TypedResults.Problem(statusCode: StatusCodes.Status504GatewayTimeout, title: "Gate did not answer",
                detail: $"Gate {gateId} did not acknowledge the command in time; it may or may not have executed it."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Gate offline",
                detail: result.Detail ?? $"Gate {gateId} is not connected; retry later."),
        };
    }

    private static async Task<(T? Request, ProblemHttpResult? Problem)> ReadAsync<T>(HttpContext context) where T : class
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "JSON expected",
                detail: "Send the command as application/json."));
        }
        try
        {
            var request = await JsonSerializer.DeserializeAsync<T>(context.Request.Body, GateProtocol.Json, context.RequestAborted);
            return request is null ? (null, Invalid("The body must be a JSON object.")) : (request, null);
        }
        catch (JsonException ex)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed JSON", detail: ex.Message));
        }
    }

    private static ProblemHttpResult Invalid(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid gate command", detail: detail);
}
