using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Subscriptions;
using EasyParkPlus.Workflows.Billing;
using Temporalio.Workflows;
using Temporalio.Common;
using Temporalio.Exceptions;

namespace EasyParkPlus.Workflows.Subscriptions;

// A monthly pass (workflow id subscription-{subscriptionId}): each run bills one period — charge at
// the due date, retry a failing card on the dunning schedule, suspend after the last failure — waits
// for the period's end, then continues as new so the history never grows beyond one month.
[Workflow]
public sealed class SubscriptionRenewal
{
    private static ActivityOptions Quick => ActivityPresets.Quick;

    private static ActivityOptions Payment => new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(1),
        RetryPolicy = new RetryPolicy
        {
            InitialInterval = TimeSpan.FromSeconds(2),
            MaximumInterval = TimeSpan.FromMinutes(2),
            NonRetryableErrorTypes = [BillingErrors.CardDeclined, BillingErrors.NoSavedCard, BillingErrors.PaymentRejected],
        },
    };

    private SubscriptionInput? _input;
    private PlanQuote? _plan;
    private BillingPeriod _period;
    private SubscriptionStatus _status = SubscriptionStatus.Active;
    private string? _nextPlanCode;
    private bool _cancelAtPeriodEnd;
    private bool _paymentMethodUpdated;
    private int _failedAttempts;
    private DateTimeOffset? _nextAttemptAt;
    private DateTimeOffset? _pastDueSince;
    private long _paidCents;

    [WorkflowQuery]
    public SubscriptionStatusView Status => new(
        _status, _plan?.Code ?? _input?.PlanCode ?? "", _nextPlanCode, _input?.PeriodIndex ?? 0, _period.Start, _period.End,
        _plan?.MonthlyPriceCents ?? 0, _failedAttempts, _nextAttemptAt, _cancelAtPeriodEnd, _paidCents);

    [WorkflowSignal]
    public Task PaymentMethodUpdatedAsync(PaymentMethodUpdated update)
    {
        _paymentMethodUpdated = true;
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task CancelAsync(CancelSubscription cancel)
    {
        _cancelAtPeriodEnd = true;
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task ChangePlanAsync(ChangePlan change)
    {
        _nextPlanCode = change.PlanCode;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<SubscriptionResult> RunAsync(SubscriptionInput input)
    {
        _input = input;
        _status = input.Suspended ? SubscriptionStatus.Suspended : SubscriptionStatus.Active;
        _period = BillingPeriod.Monthly(input.AnchorAt, input.PeriodIndex);
        Workflow.UpsertTypedSearchAttributes(EasyParkSearchAttributes.CustomerId.ValueSet(input.CustomerId.ToString()));

        var planCode = input.NextPlanCode ?? input.PlanCode;
        _plan = await Workflow.ExecuteActivityAsync((ISubscriptionActivities a) => a.GetPlanAsync(planCode), Quick);
        if (_plan.FacilityCode is { } facility)
        {
            Workflow.UpsertTypedSearchAttributes(EasyParkSearchAttributes.FacilityId.ValueSet(facility));
        }

        // Wait for the due date (the first run starts on it); a cancellation before it ends the pass unbilled.
        await WaitUntilAsync(_period.Start, () => false);
        if (_cancelAtPeriodEnd && input.PeriodIndex > 0)
        {
            return await EndAsync(input, "Cancelled by the customer at the end of the previous period.");
        }

        await CollectAsync(input);

        // The paid period runs to its end; signals only change what happens next.
        while (WorkflowTime.Now < _period.End)
        {
            var resumeWanted = _status == SubscriptionStatus.Suspended;
            await WaitUntilAsync(_period.End, () => resumeWanted && _paymentMethodUpdated);
            if (resumeWanted && _paymentMethodUpdated && WorkflowTime.Now < _period.End)
            {
                await TryChargeAsync(input, $"resume-{WorkflowTime.Now:yyyyMMddHHmmss}", isLastAttempt: true);
            }
        }

        if (_cancelAtPeriodEnd)
        {
            return await EndAsync(input, "Cancelled by the customer; the pass ran to the end of the paid period.");
        }
        var next = input with
        {
            PeriodIndex = input.PeriodIndex + 1,
            PlanCode = _plan.Code,
            NextPlanCode = _nextPlanCode,
            Suspended = _status == SubscriptionStatus.Suspended,
        };
        throw Workflow.CreateContinueAsNewException((SubscriptionRenewal wf) => wf.RunAsync(next));
    }

    // The charge at the due date and the dunning retries; a card update retries at once.
    private async Task CollectAsync(SubscriptionInput input)
    {
        var schedule = new DunningSchedule(input.RetryDays ?? DunningSchedule.Default.RetryDaysAfterDue);
        var attempts = schedule.Attempts(_period.Start);
        foreach (var attempt in attempts)
        {
            _nextAttemptAt = attempt.At;
            _paymentMethodUpdated = false;
            await WaitUntilAsync(attempt.At, () => _paymentMethodUpdated);
            _nextAttemptAt = null;
            if (await TryChargeAsync(input, $"attempt-{attempt.Number}", attempt.Number == attempts.Count - 1))
            {
                return;
            }
        }
    }

    private async Task<bool> TryChargeAsync(SubscriptionInput input, string step, bool isLastAttempt)
    {
        var plan = _plan!;
        var workflowId = Workflow.Info.WorkflowId;
        var reference = $"{_period.Start:yyyy-MM}";
        _paymentMethodUpdated = false;
        var price = SubscriptionPlans.Renewal(new SubscriptionPlan(plan.Code, plan.Name, plan.FacilityCode, Money.FromCents(plan.MonthlyPriceCents)), _period);
        var invoice = await Workflow.ExecuteActivityAsync((IBillingActivities b) => b.IssueInvoiceAsync(new InvoiceRequest(
            workflowId, BillableKind.Subscription, reference, input.CustomerId, plan.FacilityCode, BillingLine.From(price), WorkflowTime.Now)), Quick);
        try
        {
            var paid = await Workflow.ExecuteActivityAsync((IBillingActivities b) => b.ChargeSavedCardAsync(new SavedCardCharge(
                workflowId, $"renewal-{reference}/{step}", invoice.InvoiceId, input.CustomerId, invoice.TotalCents, plan.Name)), Payment);
            _paidCents += paid.AmountCents;
            _status = SubscriptionStatus.Active;
            _pastDueSince = null;
            await RecordAsync(input, null);
            return true;
        }
        catch (ActivityFailureException failure) when (failure.InnerException is ApplicationFailureException)
        {
            _failedAttempts++;
            _pastDueSince ??= WorkflowTime.Now;
            _status = isLastAttempt || _status == SubscriptionStatus.Suspended ? SubscriptionStatus.Suspended : SubscriptionStatus.PastDue;
            await RecordAsync(input, null);
            return false;
        }
    }

    private async Task<SubscriptionResult> EndAsync(SubscriptionInput input, string reason)
    {
        _status = SubscriptionStatus.Cancelled;
        await RecordAsync(input, WorkflowTime.Now);
        return new SubscriptionResult(SubscriptionStatus.Cancelled, input.PeriodIndex, WorkflowTime.Now, reason);
    }

    private Task RecordAsync(SubscriptionInput input, DateTimeOffset? cancelledAt)
    {
        var plan = _plan!;
        var update = new SubscriptionUpdate(
            input.SubscriptionId, Workflow.Info.WorkflowId, input.CustomerId, plan.Code, plan.FacilityCode, _status, plan.MonthlyPriceCents,
            input.AnchorAt, _period.Start, _period.End, _pastDueSince, cancelledAt, WorkflowTime.Now);
        return Workflow.ExecuteActivityAsync((ISubscriptionActivities a) => a.UpdateSubscriptionAsync(update), Quick);
    }

    private static async Task WaitUntilAsync(DateTimeOffset at, Func<bool> wakeEarly)
    {
        var remaining = at - WorkflowTime.Now;
        if (remaining > TimeSpan.Zero && !wakeEarly())
        {
            await Workflow.WaitConditionAsync(wakeEarly, remaining);
        }
    }
}
