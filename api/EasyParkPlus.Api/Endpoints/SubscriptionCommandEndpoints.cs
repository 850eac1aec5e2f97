using System.Security.Claims;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using EasyParkPlus.Workflows.Subscriptions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Api.Endpoints;

public sealed record PlanRequest([Identifier(64, "-_")] string? PlanCode);

public sealed record CancelSubscriptionRequest([Text(200, Optional = true)] string? Reason);

public sealed record SubscriptionStarted(Guid SubscriptionId, string WorkflowId, string StatusUrl);

/// <summary>Subscribe, cancel and change plan: each is a start of, or a signal to, the SubscriptionRenewal workflow.</summary>
public static class SubscriptionCommandEndpoints
{
    public static IEndpointRouteBuilder MapSubscriptionCommandEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/subscriptions").WithTags("Subscriptions").RequireAuthorization(Policies.Driver);
        group.MapPost("/", SubscribeAsync).Idempotent()
            .WithSummary("Subscribe to a monthly plan; starts SubscriptionRenewal, which charges the saved card monthly (drivers).");
        group.MapPost("/{subscriptionId:guid}/cancel", CancelAsync).Idempotent()
            .WithSummary("Cancel at the end of the period (its driver or an operator).");
        group.MapPost("/{subscriptionId:guid}/change-plan", ChangePlanAsync).Idempotent()
            .WithSummary("Change plan from the next renewal (its driver or an operator).");
        return api;
    }

    internal static async Task<Results<Accepted<SubscriptionStarted>, NotFound, ValidationProblem>> SubscribeAsync(
        PlanRequest request, ClaimsPrincipal user, HttpContext http, ITemporalClient client, EasyParkDbContext db, IOptions<TemporalOptions> options,
        TimeProvider time, CancellationToken ct)
    {
        var customerId = user.CustomerId();
        if (customerId is null)
        {
            return TypedResults.NotFound();
        }
        if (!await db.SubscriptionPlans.AnyAsync(p => p.Code == request.PlanCode && p.Active, ct))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["planCode"] = [$"No active plan '{request.PlanCode}'."] });
        }
        var subscriptionId = WorkflowAccess.NewId(http);
        var workflowId = SubscriptionWorkflowIds.ForSubscription(subscriptionId);
        var input = new SubscriptionInput(subscriptionId, customerId.Value, request.PlanCode!, time.GetUtcNow());
        await client.StartOnceAsync((SubscriptionRenewal wf) => wf.RunAsync(input), http, new WorkflowOptions(workflowId, options.Value.TaskQueue)
        {
            TypedSearchAttributes = EasyParkSearchAttributes.Collection((EasyParkSearchAttributes.CustomerId, customerId.ToString())),
            Rpc = new() { CancellationToken = ct },
        });
        return TypedResults.Accepted($"/api/v1/subscriptions/{subscriptionId}", new SubscriptionStarted(subscriptionId, workflowId, $"/api/v1/subscriptions/{subscriptionId}"));
    }

    internal static async Task<Results<Accepted, NotFound, ProblemHttpResult>> CancelAsync(
        Guid subscriptionId, CancelSubscriptionRequest request, ClaimsPrincipal user, HttpContext http, ITemporalClient client, CancellationToken ct) =>
        await SignalAsync(subscriptionId, user, client, id => client.GetWorkflowHandle<SubscriptionRenewal>(id)
            .SignalAsync(wf => wf.CancelAsync(new CancelSubscription(request.Reason)), SessionEndpoints.Signal(ct)), ct);

    internal static async Task<Results<Accepted, NotFound, ProblemHttpResult>> ChangePlanAsync(
        Guid subscriptionId, PlanRequest request, ClaimsPrincipal user, HttpContext http, ITemporalClient client, EasyParkDbContext db, CancellationToken ct)
    {
        if (!await db.SubscriptionPlans.AnyAsync(p => p.Code == request.PlanCode && p.Active, ct))
        {
            return TypedResults.Problem(title: $"No active plan '{request.PlanCode}'.", statusCode: StatusCodes.Status422UnprocessableEntity);
        }
        return await SignalAsync(subscriptionId, user, client, id => client.GetWorkflowHandle<SubscriptionRenewal>(id)
            .SignalAsync(wf => wf.ChangePlanAsync(new ChangePlan(request.PlanCode!)), SessionEndpoints.Signal(ct)), ct);
    }

    private static async Task<Results<Accepted, NotFound, ProblemHttpResult>> SignalAsync(
        Guid subscriptionId, ClaimsPrincipal user, ITemporalClient client, Func<string, Task> signal, CancellationToken ct)
    {
        var workflowId = SubscriptionWorkflowIds.ForSubscription(subscriptionId);
        var description = await client.DescribeVisibleAsync(workflowId, user, ct);
        if (description is null)
        {
            return TypedResults.NotFound();
        }
        if (description.Status != WorkflowExecutionStatus.Running)
        {
            return TypedResults.Problem(title: "The subscription has ended.", statusCode: StatusCodes.Status409Conflict);
        }
        await signal(workflowId);
        return TypedResults.Accepted($"/api/v1/subscriptions/{subscriptionId}");
    }
}
