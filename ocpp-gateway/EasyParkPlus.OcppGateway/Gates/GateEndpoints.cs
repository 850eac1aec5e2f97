using EasyParkPlus.OcppGateway.Devices;
using System.Text.Json;
using EasyParkPlus.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.OcppGateway.Gates;

public sealed record GateEventResult(string EventId, string Status);

public sealed record GateEventsResponse(IReadOnlyList<GateEventResult> Results);

// The controller-facing endpoints: the WebSocket and the HTTP fallback for posting events.
public static class GateEndpoints
{
    public static IEndpointRouteBuilder MapGateDeviceEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.Map("/gates/{gateId}", ConnectAsync);
        endpoints.MapPost("/gates/{gateId}/events", PostEventsAsync);
        return endpoints;
    }

    // Credentials are checked before the upgrade, so an unknown gate never gets a socket.
    private static async Task ConnectAsync(HttpContext context, string gateId, GateAuthenticator authenticator, GateSocketSession session,
        IDeviceOwnership ownership, IHostApplicationLifetime lifetime, ILogger<GateSocketSession> logger)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "WebSocket upgrade required",
                detail: "Gate controllers connect here with a WebSocket; without one, POST events to /gates/{gateId}/events.").ExecuteAsync(context);
            return;
        }
        var (gate, retryAfter) = await authenticator.AuthenticateAsync(context.Request, gateId, context.RequestAborted);
        if (gate is null)
        {
            GatesLog.Refused(logger, Sanitize(gateId), retryAfter is null ? "unknown gate or wrong credentials" : "too many failed logins");
            // Refused before the upgrade: the controller gets 401 or, while locked out, 429 with Retry-After.
            await (retryAfter is { } wait ? LoginThrottleExtensions.TooManyFailedLogins(context, wait) : Unauthorized(context)).ExecuteAsync(context);
            return;
        }
        // Claimed before the upgrade, so by the time the controller is connected a command that
        // arrives at another instance is already routed here.
        await ownership.ClaimAsync(DeviceKind.Gate, gate.Id, context.RequestAborted);
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        await session.RunAsync(gate, socket, stopping.Token);
    }

    private static async Task<Results<Ok<GateEventsResponse>, ProblemHttpResult, ValidationProblem>> PostEventsAsync(
        HttpContext context, string gateId, GateAuthenticator authenticator, GateEventIngest ingest,
        IOptions<GateOptions> options, ILogger<GateSocketSession> logger)
    {
        var (gate, retryAfter) = await authenticator.AuthenticateAsync(context.Request, gateId, context.RequestAborted);
        if (gate is null)
        {
            GatesLog.Refused(logger, Sanitize(gateId), retryAfter is null ? "unknown gate or wrong credentials" : "too many failed logins");
            return retryAfter is { } wait ? LoginThrottleExtensions.TooManyFailedLogins(context, wait) : Unauthorized(context);
        }
        var limits = options.Value;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limits.MaxBatchBytes;
        }
        if (context.Request.ContentLength > limits.MaxBatchBytes)
        {
            return TooLarge(limits.MaxBatchBytes);
        }
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, new JsonDocumentOptions { MaxDepth = 16 }, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed JSON", detail: ex.Message);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limits.MaxBatchBytes);
        }
        using (document)
        {
            var root = document.RootElement;
            var elements = root.ValueKind == JsonValueKind.Array ? [.. root.EnumerateArray()] : new[] { root };
            if (elements.Length == 0 || elements.Length > limits.MaxBatchEvents)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid batch",
                    detail: $"Send one event object or an array of 1-{limits.MaxBatchEvents} events.");
            }
            var events = new List<GateEventInput>(elements.Length);
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            for (var i = 0; i < elements.Length; i++)
            {
                var parsed = GateProtocol.ParseEvent(elements[i]);
                var error = parsed.Error?.Message ?? GateProtocol.CheckLane(gate.Lane, parsed.Event!.Direction);
                if (error is not null)
                {
                    errors[root.ValueKind == JsonValueKind.Array ? $"[{i}]" : "event"] = [error];
                }
                else
                {
                    events.Add(parsed.Event!);
                }
            }
            if (errors.Count > 0)
            {
                // All or nothing: the controller fixes or drops the bad events and resends the batch.
                return TypedResults.ValidationProblem(errors, title: "Invalid gate events; none were stored.");
            }
            var stored = await ingest.StoreAsync(gate, events, context.RequestAborted);
            return TypedResults.Ok(new GateEventsResponse([.. events.Select((e, i) =>
                new GateEventResult(e.EventId, stored[i] == GateEventStoreResult.Duplicate ? "duplicate" : "accepted"))]));
        }
    }

    private static ProblemHttpResult Unauthorized(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{GateAuthenticator.Realm}\", charset=\"UTF-8\"";
        return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Gate credentials required",
            detail: "Authenticate with HTTP Basic: the gate id as user name and the gate's password.");
    }

    private static ProblemHttpResult TooLarge(int limit) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Batch too large",
            detail: $"Gate event batches are limited to {limit} bytes; send the buffer in several requests.");

    // Route values end up in logs: keep hostile ids from forging log lines.
    private static string Sanitize(string value) => GateProtocol.IsValidId(value) ? value : "(invalid id)";
}
