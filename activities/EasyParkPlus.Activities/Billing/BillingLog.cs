using Microsoft.Extensions.Logging;

namespace EasyParkPlus.Activities.Billing;

/// <summary>Billing and parking activity log events, ids 3200-3299.</summary>
internal static partial class BillingLog
{
    [LoggerMessage(3200, LogLevel.Information, "Invoice {InvoiceId} issued for {WorkflowId} ({Kind}): {TotalCents} cents")]
    public static partial void InvoiceIssued(ILogger logger, Guid invoiceId, string workflowId, string kind, long totalCents);

    [LoggerMessage(3201, LogLevel.Information, "Charged {AmountCents} cents off-session for invoice {InvoiceId} (payment intent {PaymentIntentId}, key {IdempotencyKey})")]
    public static partial void SavedCardCharged(ILogger logger, long amountCents, Guid invoiceId, string paymentIntentId, string idempotencyKey);

    [LoggerMessage(3202, LogLevel.Warning, "Saved card declined for invoice {InvoiceId} ({Code}/{DeclineCode}, key {IdempotencyKey})")]
    public static partial void SavedCardDeclined(ILogger logger, Guid invoiceId, string? code, string? declineCode, string idempotencyKey);

    [LoggerMessage(3203, LogLevel.Information, "Refunded {AmountCents} cents of payment {PaymentId} (refund {StripeRefundId}, key {IdempotencyKey})")]
    public static partial void Refunded(ILogger logger, long amountCents, Guid paymentId, string stripeRefundId, string idempotencyKey);

    [LoggerMessage(3210, LogLevel.Information, "Session {SessionId} at {FacilityId} got space {SpaceLabel}")]
    public static partial void SpaceAllocated(ILogger logger, Guid sessionId, string facilityId, string? spaceLabel);

    [LoggerMessage(3211, LogLevel.Information, "Session {SessionId} at {FacilityId} denied: {Reason}")]
    public static partial void EntryDenied(ILogger logger, Guid sessionId, string facilityId, string reason);

    [LoggerMessage(3212, LogLevel.Warning, "Operator alert {Kind} for {WorkflowId} at {FacilityId}: {Message}")]
    public static partial void OperatorAlertRaised(ILogger logger, string kind, string workflowId, string facilityId, string message);
}
