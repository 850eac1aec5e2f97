using EasyParkPlus.Activities.Charging;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Billing;
using EasyParkPlus.Domain;
using EasyParkPlus.Workflows.Subscriptions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace EasyParkPlus.Activities.Subscriptions;

// billing.subscriptions is the view entry validation reads; the workflow writes it through here at
// every status change, so a suspension or resumption is visible at the gate at once.
public sealed class SubscriptionActivities(EasyParkDbContext db, TimeProvider time, ILogger<SubscriptionActivities> logger) : ISubscriptionActivities
{
    public const string UnknownPlan = "UnknownPlan";

    [Activity("Subscriptions.GetPlan")]
    public async Task<PlanQuote> GetPlanAsync(string planCode)
    {
        var plan = await db.SubscriptionPlans.AsNoTracking().SingleOrDefaultAsync(p => p.Code == planCode && p.Active, CancellationToken)
            ?? throw new ApplicationFailureException($"There is no active subscription plan {planCode}.", UnknownPlan, nonRetryable: true);
        return new PlanQuote(plan.Code, plan.Name, plan.FacilityId, plan.MonthlyPrice.Cents);
    }

    [Activity("Subscriptions.Update")]
    public async Task UpdateSubscriptionAsync(SubscriptionUpdate update)
    {
        var now = time.GetUtcNow();
        var row = await db.Subscriptions.SingleOrDefaultAsync(s => s.Id == update.SubscriptionId, CancellationToken);
        if (row is null)
        {
            row = new Subscription { Id = update.SubscriptionId, WorkflowId = update.WorkflowId, PlanCode = update.PlanCode, CreatedAt = now };
            db.Subscriptions.Add(row);
        }
        row.CustomerId = update.CustomerId;
        row.PlanCode = update.PlanCode;
        row.FacilityId = update.FacilityCode;
        row.Status = update.Status;
        row.Price = Money.FromCents(update.PriceCents);
        row.AnchorAt = update.AnchorAt;
        row.CurrentPeriodStart = update.PeriodStart;
        row.CurrentPeriodEnd = update.PeriodEnd;
        row.PastDueSince = update.PastDueSince;
        row.CancelledAt = update.CancelledAt;
        row.UpdatedAt = now;
        try
        {
            await db.SaveChangesAsync(CancellationToken);
        }
        catch (DbUpdateException error) when (error.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // A concurrent attempt inserted the row first: the engine retries this attempt, which then updates it.
            throw new InvalidOperationException($"Subscription {update.SubscriptionId} was inserted concurrently; retrying.", error);
        }
        ChargingLog.SubscriptionUpdated(logger, update.SubscriptionId, update.Status.ToString(), update.PeriodStart, update.PeriodEnd);
    }

    private static CancellationToken CancellationToken =>
        ActivityExecutionContext.HasCurrent ? ActivityExecutionContext.Current.CancellationToken : default;
}
