using EasyParkPlus.Domain.Subscriptions;

namespace EasyParkPlus.Workflows.Subscriptions;

public static class SubscriptionWorkflowIds
{
    public const string TaskQueue = "easypark";

    public static string ForSubscription(Guid subscriptionId) => $"subscription-{subscriptionId}";
}

// One run per billing period; continue-as-new carries the state into the next with PeriodIndex + 1.
public sealed record SubscriptionInput(Guid SubscriptionId, Guid CustomerId, string PlanCode, DateTimeOffset AnchorAt)
{
    public int PeriodIndex { get; init; }

    // A plan change asked for during the previous period; it takes effect at this period's start.
    public string? NextPlanCode { get; init; }

    // Stays suspended across periods until a payment succeeds.
    public bool Suspended { get; init; }

    // Dunning retries in days after the due date; null is the house schedule (1, 3, 5).
    public IReadOnlyList<int>? RetryDays { get; init; }
}

public sealed record PaymentMethodUpdated(string? Note = null);

public sealed record CancelSubscription(string? Reason = null);

public sealed record ChangePlan(string PlanCode);

public sealed record SubscriptionStatusView(
    SubscriptionStatus Status, string PlanCode, string? NextPlanCode, int PeriodIndex, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd,
    long PriceCents, int FailedAttempts, DateTimeOffset? NextAttemptAt, bool CancelAtPeriodEnd, long PaidCents);

public sealed record SubscriptionResult(SubscriptionStatus Status, int PeriodsBilled, DateTimeOffset EndedAt, string? Reason);

// Activity payloads.
public sealed record PlanQuote(string Code, string Name, string? FacilityCode, long MonthlyPriceCents);

// Written to billing.subscriptions, the rows entry validation reads; an upsert keyed by the subscription id.
public sealed record SubscriptionUpdate(
    Guid SubscriptionId, string WorkflowId, Guid CustomerId, string PlanCode, string? FacilityCode, SubscriptionStatus Status, long PriceCents,
    DateTimeOffset AnchorAt, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, DateTimeOffset? PastDueSince, DateTimeOffset? CancelledAt, DateTimeOffset At);
