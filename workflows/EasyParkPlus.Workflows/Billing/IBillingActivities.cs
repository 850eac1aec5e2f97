using Temporalio.Activities;

namespace EasyParkPlus.Workflows.Billing;

// Invoices, payments, receipts and refunds shared by every business workflow. Each call is
// idempotent: invoices are unique per (workflow, kind, reference), payments and refunds per
// idempotency key, receipts per invoice; a retry returns what the first attempt wrote.
public interface IBillingActivities
{
    [Activity("Billing.IssueInvoice")]
    Task<IssuedInvoice> IssueInvoiceAsync(InvoiceRequest request);

    // Off-session charge of the customer's default saved card; marks the invoice paid. A decline
    // fails non-retryably with error type BillingErrors.CardDeclined.
    [Activity("Billing.ChargeSavedCard")]
    Task<PaymentRecorded> ChargeSavedCardAsync(SavedCardCharge charge);

    [Activity("Billing.RecordPayStationPayment")]
    Task<PaymentRecorded> RecordPayStationPaymentAsync(PayStationPayment payment);

    // Marks the invoice paid (a zero total needs no payment) and issues its receipt.
    [Activity("Billing.IssueReceipt")]
    Task<IssuedReceipt> IssueReceiptAsync(ReceiptRequest request);

    [Activity("Billing.RefundPayment")]
    Task<RefundRecorded> RefundPaymentAsync(RefundCommand refund);
}
