using System.Security.Claims;
using System.Text.Json;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using EasyParkPlus.Workflows.Charging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Api.Endpoints;

public sealed record StartChargingRequest([Text(16)] string? FacilityId, [Text(64)] string? StationId, [Present(Min = 1)] int? EvseId);

public sealed record ChargingSessionStarted(Guid SessionId, string WorkflowId);

public sealed record ChargingSessionResponse(Guid SessionId, string WorkflowId, string WorkflowStatus, JsonElement? State, JsonElement? Result);

/// <summary>EV charging from the app: start (ChargingSession workflow), status (its Status query) and stop (its StopRequested signal).</summary>
public static class ChargingEndpoints
{
    public static IEndpointRouteBuilder MapChargingEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/charging/sessions").WithTags("Charging").RequireAuthorization(Policies.Driver);
        group.MapPost("/", StartAsync).Idempotent()
            .WithSummary("Start charging at a facility's station and EVSE; starts ChargingSession for the signed-in driver (Driver).");
        group.MapGet("/{sessionId:guid}", GetAsync)
            .WithSummary("The charging session's Status query, and its result once closed (its driver or an operator).");
        group.MapPost("/{sessionId:guid}/stop", StopAsync).Idempotent()
            .WithSummary("Ask the charger to stop: signals StopRequested to the session (its driver only).");
        return api;
    }

    internal static async Task<Results<Accepted<ChargingSessionStarted>, ProblemHttpResult>> StartAsync(
        StartChargingRequest request, ClaimsPrincipal user, HttpContext http, ITemporalClient client, EasyParkDbContext db,
        IOptions<TemporalOptions> options, CancellationToken ct)
    {
        if (user.CustomerId() is not { } customerId)
        {
            return TypedResults.Problem(title: "Charging is started from a customer account.", statusCode: StatusCodes.Status422UnprocessableEntity);
        }
        var facilityId = request.FacilityId!.Trim().ToUpperInvariant();
        var stationId = request.StationId!.Trim();
        var evseId = request.EvseId!.Value;
        if (!await db.Facilities.AnyAsync(f => f.Id == facilityId, ct))
        {
            return Unprocessable($"No facility '{facilityId}'.");
        }
        if (await EvseProblemAsync(db, facilityId, stationId, evseId, ct) is { } problem)
        {
            return Unprocessable(problem);
        }

        var sessionId = WorkflowAccess.NewId(http);
        var workflowId = ChargingWorkflowIds.ForSession(sessionId);
        // The gateway accepts "Central" id tokens that are our customer ids, so the charger authorises the app's driver.
        var input = new ChargingSessionInput(sessionId, facilityId, stationId, evseId, customerId, IdToken: customerId.ToString());
        await client.StartOnceAsync((ChargingSession wf) => wf.RunAsync(input), http, new WorkflowOptions(workflowId, options.Value.TaskQueue)
        {
            TypedSearchAttributes = input.SearchAttributes(),
            Rpc = new() { CancellationToken = ct },
        });
        return TypedResults.Accepted(StatusUrl(sessionId), new ChargingSessionStarted(sessionId, workflowId));
    }

    /// <summary>Why the station and EVSE cannot be used for charging at the facility, or null when they can.</summary>
    internal static async Task<string?> EvseProblemAsync(EasyParkDbContext db, string facilityId, string stationId, int evseId, CancellationToken ct)
    {
        var charger = await db.Chargers.Where(c => c.StationId == stationId).Select(c => new { c.Id, c.FacilityId }).FirstOrDefaultAsync(ct);
        if (charger is null)
        {
            return $"No charging station '{stationId}'.";
        }
        if (charger.FacilityId != facilityId)
        {
            return $"Station '{stationId}' is not at facility '{facilityId}'.";
        }
        return await db.Evses.AnyAsync(e => e.ChargerId == charger.Id && e.EvseNumber == evseId, ct) ? null : $"Station '{stationId}' has no EVSE {evseId}.";
    }

    internal static async Task<Results<Ok<ChargingSessionResponse>, NotFound>> GetAsync(Guid sessionId, ClaimsPrincipal user, ITemporalClient client, CancellationToken ct)
    {
        var workflowId = ChargingWorkflowIds.ForSession(sessionId);
        var description = await client.DescribeVisibleAsync(workflowId, user, ct);
        if (description is null)
        {
            return TypedResults.NotFound();
        }
        var state = await client.StatusAsync(description, ct);
        return TypedResults.Ok(new ChargingSessionResponse(sessionId, workflowId, description.Status.StatusName(), state, await client.ResultAsync(description, ct)));
    }

    internal static async Task<Results<Accepted, NotFound, ProblemHttpResult>> StopAsync(
        Guid sessionId, ClaimsPrincipal user, HttpContext http, ITemporalClient client, CancellationToken ct)
    {
        var workflowId = ChargingWorkflowIds.ForSession(sessionId);
        var description = await client.DescribeVisibleAsync(workflowId, user, ct);
        // Only the driver who started it stops it; an operator uses the workflow endpoints, which audit the action.
        if (description is null || !IsOwner(description, user))
        {
            return TypedResults.NotFound();
        }
        if (description.Status != WorkflowExecutionStatus.Running)
        {
            return TypedResults.Problem(title: "The charging session has already ended.", statusCode: StatusCodes.Status409Conflict);
        }
        await client.GetWorkflowHandle<ChargingSession>(workflowId)
            .SignalAsync(wf => wf.StopRequestedAsync(new StopRequest("Stopped by the driver in the app.")), SessionEndpoints.Signal(ct));
        return TypedResults.Accepted(StatusUrl(sessionId));
    }

    private static string StatusUrl(Guid sessionId) => $"/api/v1/charging/sessions/{sessionId}";

    private static ProblemHttpResult Unprocessable(string title) => TypedResults.Problem(title: title, statusCode: StatusCodes.Status422UnprocessableEntity);

    private static bool IsOwner(WorkflowExecutionDescription description, ClaimsPrincipal user) =>
        user.CustomerId()?.ToString() is { } me && description.TypedSearchAttributes.TryGetValue(EasyParkSearchAttributes.CustomerId, out var owner)
        && owner == me;
}
