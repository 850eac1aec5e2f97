using System.Security.Claims;
using System.Text.Json;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.Domain;
using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.Workflows;
using EasyParkPlus.Workflows.Parking;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace EasyParkPlus.Api.Endpoints;

public sealed record CheckInRequest([Text(16)] string? FacilityId, [Plate] string? Plate, [EnumName(typeof(SpaceType), Optional = true)] string? SpaceType, Guid? CustomerId);

public sealed record CheckOutRequest([Present] Guid? SessionId);

public sealed record SessionChargingRequest([Text(64)] string? StationId, [Present(Min = 1)] int? EvseId);

public sealed record SessionStarted(Guid SessionId, string WorkflowId, string StatusUrl);

public sealed record SessionResponse(Guid SessionId, string WorkflowId, string WorkflowStatus, JsonElement? State, JsonElement? Result);

public sealed record ActiveSession(Guid SessionId, string WorkflowId, string? FacilityId, string? Plate, DateTimeOffset StartTime);

/// <summary>Entry/exit from the app (or an operator), session details from the workflow's Status query, active sessions.</summary>
public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/entry/checkin", CheckInAsync).WithTags("Sessions").RequireAuthorization(Policies.Driver).Idempotent()
            .WithSummary("Start a parking session (ParkingSession workflow) for a plate; drivers for themselves, operators for anyone (Driver).");
        api.MapPost("/exit/checkout", CheckOutAsync).WithTags("Sessions").RequireAuthorization(Policies.Driver).Idempotent()
            .WithSummary("Signal VehicleExited to the session (its driver or an operator).");
        api.MapPost("/sessions/{sessionId:guid}/charging", RequestChargingAsync).WithTags("Sessions").RequireAuthorization(Policies.Driver)
            .Idempotent()
            .WithSummary("Charge the car of a running EV-space stay at one of the facility's chargers: signals ChargingRequested, and the stay starts a child ChargingSession (its driver or an operator).");
        api.MapPost("/sessions/{sessionId:guid}/exit-quote", QuoteExitAsync).WithTags("Sessions").RequireAuthorization(Policies.Driver)
            .WithSummary("The price at exit: the stay priced by its workflow now (QuoteExit update), what was paid and what is due; 409 once it is paid or closed (its driver or an operator).");
        api.MapGet("/sessions/{sessionId:guid}", GetAsync).WithTags("Sessions").RequireAuthorization(Policies.Driver)
            .WithSummary("Session details from the workflow's Status query, and its result once closed (its driver or an operator).");
        api.MapGet("/sessions/active", ActiveAsync).WithTags("Sessions").RequireAuthorization(Policies.Driver)
            .WithSummary("Running parking sessions: of a facility for operators; a driver's own otherwise.");
        return api;
    }

    internal static async Task<Results<Accepted<SessionStarted>, NotFound, ValidationProblem>> CheckInAsync(
        CheckInRequest request, ClaimsPrincipal user, HttpContext http, ITemporalClient client, EasyParkDbContext db,
        IOptions<TemporalOptions> options, TimeProvider time, CancellationToken ct)
    {
        var facilityId = request.FacilityId!.Trim().ToUpperInvariant();
        if (!await db.Facilities.AnyAsync(f => f.Id == facilityId, ct))
        {
            return TypedResults.NotFound();
        }
        // Drivers check in only for themselves; an operator may name the customer (or leave the session anonymous).
        var customerId = user.IsOperator() ? request.CustomerId : user.CustomerId();
        var spaceType = request.SpaceType is null ? SpaceType.Regular : Enum.Parse<SpaceType>(request.SpaceType, ignoreCase: true);
        var sessionId = WorkflowAccess.NewId(http);
        var workflowId = ParkingWorkflowIds.ForSession(sessionId);
        var input = new ParkingSessionInput(sessionId, facilityId, LicensePlate.Normalize(request.Plate!), spaceType, time.GetUtcNow(), EntryGateId: null, CustomerId: customerId);
        await client.StartOnceAsync((ParkingSession wf) => wf.RunAsync(input), http, new WorkflowOptions(workflowId, options.Value.TaskQueue)
        {
            TypedSearchAttributes = EasyParkSearchAttributes.Collection(
                (EasyParkSearchAttributes.FacilityId, facilityId), (EasyParkSearchAttributes.Plate, input.Plate),
                (EasyParkSearchAttributes.CustomerId, customerId?.ToString())),
            Rpc = new() { CancellationToken = ct },
        });
        return TypedResults.Accepted($"/api/v1/sessions/{sessionId}", new SessionStarted(sessionId, workflowId, $"/api/v1/sessions/{sessionId}"));
    }

    internal static async Task<Results<Accepted<SessionStarted>, NotFound, ProblemHttpResult>> CheckOutAsync(
        CheckOutRequest request, ClaimsPrincipal user, HttpContext http, ITemporalClient client, TimeProvider time, CancellationToken ct)
    {
        var sessionId = request.SessionId!.Value;
        var workflowId = ParkingWorkflowIds.ForSession(sessionId);
        var description = await client.DescribeVisibleAsync(workflowId, user, ct);
        if (description is null)
        {
            return TypedResults.NotFound();
        }
        if (description.Status != WorkflowExecutionStatus.Running)
        {
            return TypedResults.Problem(title: "The session is already closed.", statusCode: StatusCodes.Status409Conflict);
        }
        await client.GetWorkflowHandle<ParkingSession>(workflowId).SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(time.GetUtcNow(), null)), Signal(ct));
        return TypedResults.Accepted($"/api/v1/sessions/{sessionId}", new SessionStarted(sessionId, workflowId, $"/api/v1/sessions/{sessionId}"));
    }

    internal static async Task<Results<Accepted<SessionStarted>, NotFound, ProblemHttpResult>> RequestChargingAsync(
        Guid sessionId, SessionChargingRequest request, ClaimsPrincipal user, HttpContext http, ITemporalClient client, EasyParkDbContext db, CancellationToken ct)
    {
        var workflowId = ParkingWorkflowIds.ForSession(sessionId);
        var description = await client.DescribeVisibleAsync(workflowId, user, ct);
        if (description is null)
        {
            return TypedResults.NotFound();
        }
        if (description.Status != WorkflowExecutionStatus.Running)
        {
            return TypedResults.Problem(title: "The session is already closed.", statusCode: StatusCodes.Status409Conflict);
        }
        var facilityId = description.TypedSearchAttributes.TryGetValue(EasyParkSearchAttributes.FacilityId, out var facility) ? facility : "";
        var stationId = request.StationId!.Trim();
        if (await ChargingEndpoints.EvseProblemAsync(db, facilityId, stationId, request.EvseId!.Value, ct) is { } problem)
        {
            return TypedResults.Problem(title: problem, statusCode: StatusCodes.Status422UnprocessableEntity);
        }
        // The stay decides (EV space, driver account, no charge running); its Status query says why when it does not charge.
        await client.GetWorkflowHandle<ParkingSession>(workflowId).SignalAsync(
            wf => wf.ChargingRequestedAsync(new ChargingRequest(stationId, request.EvseId.Value)), Signal(ct));
        return TypedResults.Accepted($"/api/v1/sessions/{sessionId}", new SessionStarted(sessionId, workflowId, $"/api/v1/sessions/{sessionId}"));
    }

    // An update rather than a query: the workflow prices the stay at its own time and its validator turns away a stay that
    // is paid, and the answer comes in the same round trip.
    internal static async Task<Results<Ok<ExitQuote>, NotFound, ProblemHttpResult>> QuoteExitAsync(
        Guid sessionId, ClaimsPrincipal user, ITemporalClient client, CancellationToken ct)
    {
        var workflowId = ParkingWorkflowIds.ForSession(sessionId);
        var description = await client.DescribeVisibleAsync(workflowId, user, ct);
        if (description is null)
        {
            return TypedResults.NotFound();
        }
        if (description.Status != WorkflowExecutionStatus.Running)
        {
            return TypedResults.Problem(title: "The session is already closed.", statusCode: StatusCodes.Status409Conflict);
        }
        try
        {
            var quote = await client.GetWorkflowHandle<ParkingSession>(workflowId).ExecuteUpdateAsync(
                wf => wf.QuoteExitAsync(), new WorkflowUpdateOptions { Rpc = new() { CancellationToken = ct } });
            return TypedResults.Ok(quote);
        }
        catch (WorkflowUpdateFailedException failed) when (failed.InnerException is ApplicationFailureException { ErrorType: ParkingSession.ExitQuoteRejected } rejected)
        {
            return TypedResults.Problem(title: rejected.Message, statusCode: StatusCodes.Status409Conflict);
        }
        catch (RpcException closed) when (closed.Code == RpcException.StatusCode.NotFound)
        {
            // The stay closed between the describe and the update.
            return TypedResults.Problem(title: "The session is already closed.", statusCode: StatusCodes.Status409Conflict);
        }
    }

    internal static async Task<Results<Ok<SessionResponse>, NotFound>> GetAsync(Guid sessionId, ClaimsPrincipal user, ITemporalClient client, CancellationToken ct)
    {
        var workflowId = ParkingWorkflowIds.ForSession(sessionId);
        var description = await client.DescribeVisibleAsync(workflowId, user, ct);
        if (description is null)
        {
            return TypedResults.NotFound();
        }
        var state = await client.StatusAsync(description, ct);
        return TypedResults.Ok(new SessionResponse(sessionId, workflowId, description.Status.StatusName(), state, await client.ResultAsync(description, ct)));
    }

    internal static async Task<Results<Ok<ActiveSession[]>, ValidationProblem>> ActiveAsync(string? facilityId, ClaimsPrincipal user, ITemporalClient client, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Text("facilityId", facilityId, 16, required: user.IsOperator());
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var query = new ListFilter().Type(nameof(ParkingSession)).Running()
            .Equal(EasyParkSearchAttributes.FacilityId, string.IsNullOrWhiteSpace(facilityId) ? null : facilityId.Trim().ToUpperInvariant());
        if (!user.IsOperator())
        {
            query.Equal(EasyParkSearchAttributes.CustomerId, user.CustomerId()?.ToString() ?? "");
        }
        var sessions = new List<ActiveSession>();
        await foreach (var e in client.ListWorkflowsAsync(query.ToString(), new() { Limit = 500, Rpc = new() { CancellationToken = ct } }))
        {
            sessions.Add(new ActiveSession(
                Guid.TryParse(e.Id.AsSpan("parking-".Length), out var id) ? id : Guid.Empty, e.Id,
                e.TypedSearchAttributes.TryGetValue(EasyParkSearchAttributes.FacilityId, out var facility) ? facility : null,
                e.TypedSearchAttributes.TryGetValue(EasyParkSearchAttributes.Plate, out var plate) ? plate : null, e.StartTime));
        }
        return TypedResults.Ok(sessions.ToArray());
    }

    /// <summary>The Idempotency-Key doubles as Temporal's request id, so even a retry that misses the stored response starts once.</summary>
    public static string? RequestId(HttpContext http) =>
        http.Request.Headers[IdempotencyMiddleware.Header].ToString() is { Length: > 0 } key
            ? $"api:{http.User.FindFirst("sub")?.Value}:{key}"
            : null;

    /// <summary>
    /// A signal's options: the caller's cancellation. The SDK picks the signal's request id; a retried request with the
    /// same Idempotency-Key gets the stored answer from the idempotency middleware instead of signalling again.
    /// </summary>
    public static WorkflowSignalOptions Signal(CancellationToken ct) =>
        new() { Rpc = new() { CancellationToken = ct } };
}
