using System.Security.Claims;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Billing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace EasyParkPlus.Api.Endpoints;

public sealed record PlanResponse(string Code, string Name, string? FacilityId, long MonthlyPriceCents);

public sealed record SubscriptionResponse(
    Guid Id, string WorkflowId, Guid CustomerId, string PlanCode, string? FacilityId, string Status, long PriceCents,
    DateTimeOffset CurrentPeriodStart, DateTimeOffset CurrentPeriodEnd, DateTimeOffset? PastDueSince, DateTimeOffset? CancelledAt);

/// <summary>Subscription plans and reading subscriptions (a driver sees only their own).</summary>
public static partial class SubscriptionEndpoints
{
    public static IEndpointRouteBuilder MapSubscriptionReadEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/subscriptions").WithTags("Subscriptions").RequireAuthorization(Policies.Driver);
        group.MapGet("/plans", PlansAsync).WithSummary("Active monthly plans (any signed-in user).");
        group.MapGet("/{subscriptionId:guid}", GetAsync).WithSummary("One subscription (its customer or an operator).");
        api.MapGet("/users/{userId:guid}/subscriptions", ListOfUserAsync).WithTags("Subscriptions").RequireAuthorization(Policies.Driver)
            .WithSummary("Subscriptions of a user (the user themself, or an operator).");
        return api;
    }

    internal static async Task<Ok<PlanResponse[]>> PlansAsync(EasyParkDbContext db, CancellationToken ct)
    {
        var plans = await db.SubscriptionPlans.AsNoTracking().Where(p => p.Active).OrderBy(p => p.Code).ToListAsync(ct);
        return TypedResults.Ok(plans.Select(p => new PlanResponse(p.Code, p.Name, p.FacilityId, p.MonthlyPrice.Cents)).ToArray());
    }

    internal static async Task<Results<Ok<SubscriptionResponse>, NotFound>> GetAsync(Guid subscriptionId, ClaimsPrincipal user, EasyParkDbContext db, CancellationToken ct)
    {
        var s = await db.Subscriptions.AsNoTracking().FirstOrDefaultAsync(x => x.Id == subscriptionId, ct);
        return s is null || !user.MayActFor(s.CustomerId) ? TypedResults.NotFound() : TypedResults.Ok(ToResponse(s));
    }

    internal static async Task<Results<Ok<SubscriptionResponse[]>, NotFound>> ListOfUserAsync(Guid userId, ClaimsPrincipal user, EasyParkDbContext db, CancellationToken ct)
    {
        if (!user.MayActFor(userId))
        {
            return TypedResults.NotFound();
        }
        var rows = await db.Subscriptions.AsNoTracking().Where(s => s.CustomerId == userId).OrderByDescending(s => s.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(ToResponse).ToArray());
    }

    public static SubscriptionResponse ToResponse(Subscription s) => new(s.Id, s.WorkflowId, s.CustomerId, s.PlanCode, s.FacilityId,
        EasyParkPlus.Data.Storage.EnumText.ToText(s.Status), s.Price.Cents, s.CurrentPeriodStart, s.CurrentPeriodEnd, s.PastDueSince, s.CancelledAt);
}
