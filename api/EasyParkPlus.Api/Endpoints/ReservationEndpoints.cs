using System.Security.Claims;
using System.Text.Json;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Reservations;
using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using EasyParkPlus.Workflows.Reservations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Api.Endpoints;

// Whether the slot may be booked depends on the clock: CreateAsync answers that with 422.
public sealed record CreateReservationRequest(
    [Text(16)] string? FacilityId, [EnumName(typeof(SpaceType))] string? SpaceType, [Present] DateTimeOffset? SlotStart, [Present] DateTimeOffset? SlotEnd,
    [Plate(Optional = true)] string? Plate);

public sealed record ConfirmArrivalRequest([Plate] string? Plate);

public sealed record ReservationStarted(Guid ReservationId, string WorkflowId, string StatusUrl);

public sealed record ReservationResponse(Guid ReservationId, string WorkflowId, string WorkflowStatus, JsonElement? State, JsonElement? Result);

public sealed record ArrivalAccepted(Guid ReservationId, Guid SessionId, string SessionUrl);

/// <summary>Reservations: create (prepaid with the saved card), get, cancel (refund per policy), confirm arrival.</summary>
public static class ReservationEndpoints
{
    public static IEndpointRouteBuilder MapReservationEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/reservations").WithTags("Reservations").RequireAuthorization(Policies.Driver);
        group.MapPost("/", CreateAsync).Idempotent()
            .WithSummary("Reserve a space type for a slot; starts the Reservation workflow, which prepays with the saved card (drivers).");
        group.MapGet("/{reservationId:guid}", GetAsync).WithSummary("Reservation state from the workflow's Status query (its driver or an operator).");
        group.MapDelete("/{reservationId:guid}", CancelAsync).WithSummary("Cancel; the refund follows the policy (its driver or an operator).");
        group.MapPost("/{reservationId:guid}/confirm", ConfirmAsync).Idempotent()
            .WithSummary("Confirm arrival: the reservation hands over to a new parking session (its driver or an operator).");
        return api;
    }

    internal static async Task<Results<Accepted<ReservationStarted>, NotFound, ProblemHttpResult>> CreateAsync(
        CreateReservationRequest request, ClaimsPrincipal user, HttpContext http, ITemporalClient client, EasyParkDbContext db,
        IOptions<TemporalOptions> options, IOptions<ApiOptions> api, TimeProvider time, CancellationToken ct)
    {
        var customerId = user.CustomerId();
        var facilityId = request.FacilityId!.Trim().ToUpperInvariant();
        if (customerId is null || !await db.Facilities.AnyAsync(f => f.Id == facilityId, ct))
        {
            return TypedResults.NotFound();
        }
        if (ReservationPricing.SlotProblem(request.SlotStart!.Value, request.SlotEnd!.Value, time.GetUtcNow(), ReservationPolicy.Default) is { } problem)
        {
            var errors = new ValidationErrors();
            errors.Add(problem.Field, problem.Message);
            return errors.Unprocessable("This slot cannot be reserved.");
        }
        var reservationId = WorkflowAccess.NewId(http);
        var workflowId = ReservationWorkflowIds.ForReservation(reservationId);
        var plate = request.Plate is null ? null : LicensePlate.Normalize(request.Plate);
        var input = new ReservationInput(reservationId, customerId.Value, facilityId, Enum.Parse<SpaceType>(request.SpaceType!, ignoreCase: true),
            request.SlotStart!.Value.ToUniversalTime(), request.SlotEnd!.Value.ToUniversalTime(), plate)
        {
            LateEntryWindow = api.Value.ReservationLateEntryWindow,
        };
        await client.StartOnceAsync((Reservation wf) => wf.RunAsync(input), http, new WorkflowOptions(workflowId, options.Value.TaskQueue)
        {
            TypedSearchAttributes = EasyParkSearchAttributes.Collection((EasyParkSearchAttributes.FacilityId, facilityId),
                (EasyParkSearchAttributes.CustomerId, customerId.ToString()), (EasyParkSearchAttributes.Plate, plate)),
            Rpc = new() { CancellationToken = ct },
        });
        return TypedResults.Accepted($"/api/v1/reservations/{reservationId}", new ReservationStarted(reservationId, workflowId, $"/api/v1/reservations/{reservationId}"));
    }

    internal static async Task<Results<Ok<ReservationResponse>, NotFound>> GetAsync(Guid reservationId, ClaimsPrincipal user, ITemporalClient client, CancellationToken ct)
    {
        var workflowId = ReservationWorkflowIds.ForReservation(reservationId);
        var description = await client.DescribeVisibleAsync(workflowId, user, ct);
        if (description is null)
        {
            return TypedResults.NotFound();
        }
        var state = await client.StatusAsync(description, ct);
        return TypedResults.Ok(new ReservationResponse(reservationId, workflowId, description.Status.StatusName(), state, await client.ResultAsync(description, ct)));
    }

    internal static async Task<Results<Accepted, NotFound, ProblemHttpResult>> CancelAsync(
        Guid reservationId, string? reason, ClaimsPrincipal user, ITemporalClient client, CancellationToken ct)
    {
        var workflowId = ReservationWorkflowIds.ForReservation(reservationId);
        var description = await client.DescribeVisibleAsync(workflowId, user, ct);
        if (description is null)
        {
            return TypedResults.NotFound();
        }
        if (description.Status != WorkflowExecutionStatus.Running)
        {
            return TypedResults.Problem(title: "The reservation is already closed.", statusCode: StatusCodes.Status409Conflict);
        }
        var reservation = client.GetWorkflowHandle<Reservation>(workflowId);
        // Past its deadline a reservation only waits for a gate's late entry; there is nothing left to cancel.
        if ((await reservation.QueryAsync(wf => wf.Status, Query(ct))).State is not (ReservationStates.Holding or ReservationStates.Prepaying or ReservationStates.Booked))
        {
            return TypedResults.Problem(title: "The reservation can no longer be cancelled: its arrival deadline has passed.", statusCode: StatusCodes.Status409Conflict);
        }
        var text = reason is { Length: > 0 and <= 200 } && !reason.Any(char.IsControl) ? reason : null;
        await reservation.SignalAsync(wf => wf.CancelAsync(new ReservationCancellation(text)), new() { Rpc = new() { CancellationToken = ct } });
        return TypedResults.Accepted($"/api/v1/reservations/{reservationId}");
    }

    internal static async Task<Results<Accepted<ArrivalAccepted>, NotFound, ProblemHttpResult>> ConfirmAsync(
        Guid reservationId, ConfirmArrivalRequest request, ClaimsPrincipal user, HttpContext http, ITemporalClient client, TimeProvider time, CancellationToken ct)
    {
        var workflowId = ReservationWorkflowIds.ForReservation(reservationId);
        var description = await client.DescribeVisibleAsync(workflowId, user, ct);
        if (description is null)
        {
            return TypedResults.NotFound();
        }
        if (description.Status != WorkflowExecutionStatus.Running)
        {
            return TypedResults.Problem(title: "The reservation is already closed.", statusCode: StatusCodes.Status409Conflict);
        }
        var reservation = client.GetWorkflowHandle<Reservation>(workflowId);
        var now = time.GetUtcNow();
        if (now > (await reservation.QueryAsync(wf => wf.Status, Query(ct))).ArrivalDeadline)
        {
            return TypedResults.Problem(title: "The arrival deadline has passed; check in as an ordinary stay.", statusCode: StatusCodes.Status409Conflict);
        }
        var sessionId = WorkflowAccess.NewId(http);
        var arrival = new ReservationArrival(sessionId, LicensePlate.Normalize(request.Plate!), now, null);
        await reservation.SignalAsync(wf => wf.VehicleArrivedAsync(arrival), SessionEndpoints.Signal(ct));
        return TypedResults.Accepted($"/api/v1/sessions/{sessionId}", new ArrivalAccepted(reservationId, sessionId, $"/api/v1/sessions/{sessionId}"));
    }

    private static WorkflowQueryOptions Query(CancellationToken ct) => new() { Rpc = new() { CancellationToken = ct } };
}
