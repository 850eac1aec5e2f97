using System.Security.Claims;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace EasyParkPlus.Api.Endpoints;

public sealed record AlertResponse(
    Guid Id, string WorkflowId, string FacilityId, string Kind, string Message, DateTimeOffset RaisedAt, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy);

/// <summary>
/// What the workflows raise for operators (overstays, declined cards, device clocks not trusted, charges held for
/// review). A held charge is decided with the workflow's ChargeReviewed signal (POST /workflows/{id}/signal, audited).
/// </summary>
public static class AlertEndpoints
{
    public static IEndpointRouteBuilder MapAlertEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/alerts").WithTags("Alerts (operators)").RequireAuthorization(Policies.Operator);
        group.MapGet("/", ListAsync).WithSummary("Operator alerts, newest first; open only unless all=true; filter by facility or kind (Operator).");
        group.MapPost("/{alertId:guid}/acknowledge", AcknowledgeAsync).WithSummary("Mark an alert as seen (Operator).");
        return api;
    }

    internal static async Task<Results<Ok<AlertResponse[]>, ValidationProblem>> ListAsync(
        string? facility, string? kind, bool? all, int? limit, EasyParkDbContext db, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Text("facility", facility, 32, required: false);
        errors.Text("kind", kind, 64, required: false);
        if (limit is < 1 or > 500)
        {
            errors.Add("limit", "'limit' must be between 1 and 500.");
        }
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var query = db.OperatorAlerts.AsNoTracking();
        if (all != true)
        {
            query = query.Where(a => a.AcknowledgedAt == null);
        }
        if (!string.IsNullOrWhiteSpace(facility))
        {
            var code = facility.Trim().ToUpperInvariant();
            query = query.Where(a => a.FacilityId == code);
        }
        if (!string.IsNullOrWhiteSpace(kind))
        {
            var wanted = kind.Trim();
            query = query.Where(a => a.Kind == wanted);
        }
        var alerts = await query.OrderByDescending(a => a.RaisedAt).ThenBy(a => a.Id).Take(limit ?? 100)
            .Select(a => new AlertResponse(a.Id, a.WorkflowId, a.FacilityId, a.Kind, a.Message, a.RaisedAt, a.AcknowledgedAt, a.AcknowledgedBy))
            .ToArrayAsync(ct);
        return TypedResults.Ok(alerts);
    }

    internal static async Task<Results<Ok<AlertResponse>, NotFound>> AcknowledgeAsync(
        Guid alertId, ClaimsPrincipal user, EasyParkDbContext db, TimeProvider time, CancellationToken ct)
    {
        var alert = await db.OperatorAlerts.FirstOrDefaultAsync(a => a.Id == alertId, ct);
        if (alert is null)
        {
            return TypedResults.NotFound();
        }
        if (alert.AcknowledgedAt is null)
        {
            alert.AcknowledgedAt = time.GetUtcNow();
            alert.AcknowledgedBy = user.FindFirstValue("email") ?? user.FindFirstValue("sub");
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.Ok(new AlertResponse(alert.Id, alert.WorkflowId, alert.FacilityId, alert.Kind, alert.Message, alert.RaisedAt,
            alert.AcknowledgedAt, alert.AcknowledgedBy));
    }
}
