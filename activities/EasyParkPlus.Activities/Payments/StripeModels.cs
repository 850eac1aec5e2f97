namespace EasyParkPlus.Activities.Payments;

/// <summary>PaymentIntent statuses as Stripe names them; kept as strings so a status Stripe adds later parses instead of failing.</summary>
public static class PaymentIntentStatus
{
    public const string RequiresPaymentMethod = "requires_payment_method";
    public const string RequiresConfirmation = "requires_confirmation";
    public const string RequiresAction = "requires_action";
    public const string Processing = "processing";
    public const string RequiresCapture = "requires_capture";
    public const string Canceled = "canceled";
    public const string Succeeded = "succeeded";
}

/// <summary>Stripe's <c>cancellation_reason</c> values a merchant may send.</summary>
public enum CancellationReason
{
    Abandoned,
    Duplicate,
    Fraudulent,
    RequestedByCustomer,
}

/// <summary>Stripe's refund <c>reason</c> values.</summary>
public enum RefundReason
{
    Duplicate,
    Fraudulent,
    RequestedByCustomer,
}

public sealed record CreateCustomerRequest
{
    public string? Email { get; init; }
    public string? Name { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>A charge to a saved card while the driver is not present (exit, remainder above a hold, monthly pass).</summary>
public sealed record OffSessionPaymentRequest(long AmountCents, string CustomerId, string PaymentMethodId, string WorkflowId)
{
    public string Currency { get; init; } = "usd";
    public string? Description { get; init; }

    /// <summary>Business ids (session, reservation, facility); <c>workflow_id</c> is always added.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>A manual-capture authorisation (charging pre-authorisation); captured or cancelled later.</summary>
public sealed record AuthorizationHoldRequest(long AmountCents, string PaymentMethodId, string WorkflowId)
{
    public string? CustomerId { get; init; }

    /// <summary>True when the server confirms without the driver able to authenticate (the usual case for a saved card).</summary>
    public bool OffSession { get; init; } = true;

    public string Currency { get; init; } = "usd";
    public string? Description { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

public sealed record RefundRequest(string PaymentIntentId, string WorkflowId)
{
    /// <summary>Null refunds whatever of the captured amount is not refunded yet.</summary>
    public long? AmountCents { get; init; }

    public RefundReason? Reason { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

public sealed record StripeCustomer(
    string Id,
    string? Email,
    string? Name,
    StripeInvoiceSettings? InvoiceSettings,
    IReadOnlyDictionary<string, string>? Metadata)
{
    public string? DefaultPaymentMethod => InvoiceSettings?.DefaultPaymentMethod;
}

public sealed record StripeInvoiceSettings(string? DefaultPaymentMethod);

public sealed record StripePaymentMethod(string Id, string Type, string? Customer, StripeCard? Card);

public sealed record StripeCard(string Brand, string Last4, int ExpMonth, int ExpYear);

public sealed record StripePaymentIntent(
    string Id,
    string Status,
    long Amount,
    long AmountCapturable,
    long AmountReceived,
    string Currency,
    string CaptureMethod,
    string? Customer,
    string? PaymentMethod,
    string? LatestCharge,
    string? CancellationReason,
    StripeErrorDetails? LastPaymentError,
    IReadOnlyDictionary<string, string>? Metadata);

public sealed record StripeRefund(
    string Id,
    long Amount,
    string Currency,
    string? PaymentIntent,
    string? Charge,
    string Status,
    string? Reason,
    IReadOnlyDictionary<string, string>? Metadata);

/// <summary>The fields of Stripe's error object (also a PaymentIntent's <c>last_payment_error</c>).</summary>
public sealed record StripeErrorDetails(string? Type, string? Code, string? DeclineCode, string? Message, string? Param);
