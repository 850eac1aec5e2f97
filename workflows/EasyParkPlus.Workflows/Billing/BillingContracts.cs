using EasyParkPlus.Domain.Pricing;

namespace EasyParkPlus.Workflows.Billing;

// What an invoice is for; activities map it onto the billing schema's invoice kinds.
public enum BillableKind
{
    Parking,
    Charging,
    Reservation,
    Subscription,
}

// A price line as it travels through workflow history: plain integer cents, no domain types, so the
// payload stays stable if the domain's Money representation ever changes.
public sealed record BillingLine(string Code, string Description, decimal Quantity, string Unit, long UnitPriceCents, long AmountCents)
{
    public static BillingLine From(PriceLine line) =>
        new(line.Code, line.Description, line.Quantity, line.Unit, line.UnitPrice.Cents, line.Amount.Cents);

    public static IReadOnlyList<BillingLine> From(PriceBreakdown price) => [.. price.Lines.Select(From)];
}

// Reference tells apart several invoices of one workflow and kind (unique per workflow, kind, reference).
public sealed record InvoiceRequest(
    string WorkflowId, BillableKind Kind, string Reference, Guid? CustomerId, string? FacilityId, IReadOnlyList<BillingLine> Lines, DateTimeOffset IssuedAt)
{
    public long TotalCents => Lines.Sum(line => line.AmountCents);
}

public sealed record IssuedInvoice(Guid InvoiceId, long TotalCents);

public enum PaymentChannel
{
    None,
    Subscription,
    SavedCard,
    PayStation,
}

// Step names the charge within the workflow; with the workflow id it makes the Stripe
// Idempotency-Key and the payment row's key, so a retried charge can never charge twice.
public sealed record SavedCardCharge(string WorkflowId, string Step, Guid InvoiceId, Guid CustomerId, long AmountCents, string Description)
{
    public string IdempotencyKey => $"{WorkflowId}/{Step}";
}

public sealed record PayStationPayment(string WorkflowId, Guid InvoiceId, Guid? CustomerId, long AmountCents, string Reference, DateTimeOffset PaidAt);

public sealed record PaymentRecorded(Guid PaymentId, PaymentChannel Channel, long AmountCents, string? StripePaymentIntentId);

public sealed record ReceiptRequest(Guid InvoiceId, Guid? PaymentId, DateTimeOffset IssuedAt);

public sealed record IssuedReceipt(Guid ReceiptId, long Number, long TotalCents);

public sealed record RefundCommand(string WorkflowId, string Step, Guid PaymentId, long AmountCents, string Reason)
{
    public string IdempotencyKey => $"{WorkflowId}/{Step}";
}

public sealed record RefundRecorded(Guid RefundId, long AmountCents, string? StripeRefundId);

// Error types activities raise, so workflows can tell a decline from an outage.
public static class BillingErrors
{
    public const string CardDeclined = "CardDeclined";
    public const string NoSavedCard = "NoSavedCard";
    public const string PaymentRejected = "PaymentRejected";
}
