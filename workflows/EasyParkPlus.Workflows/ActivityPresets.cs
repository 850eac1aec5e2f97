using EasyParkPlus.Workflows.Billing;
using Temporalio.Common;
using Temporalio.Workflows;

namespace EasyParkPlus.Workflows;

// Activity options the business workflows share, so their retry rules cannot drift apart.
public static class ActivityPresets
{
    // Database and gate calls are short; retries back off to a minute so a database or gateway outage is ridden out.
    public static ActivityOptions Quick => new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(30),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromMinutes(1) },
    };

    // A card charge or refund is never retried past a decline (non-retryable failure from the activity).
    public static ActivityOptions CardPayment => new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(1),
        RetryPolicy = new RetryPolicy
        {
            InitialInterval = TimeSpan.FromSeconds(2),
            MaximumInterval = TimeSpan.FromMinutes(2),
            NonRetryableErrorTypes = [BillingErrors.CardDeclined, BillingErrors.NoSavedCard],
        },
    };

    // Compensation (releasing power, a hold, an alert) must run even while the workflow is being cancelled.
    public static ActivityOptions Compensation
    {
        get
        {
            var options = Quick;
            options.CancellationToken = CancellationToken.None;
            return options;
        }
    }
}
