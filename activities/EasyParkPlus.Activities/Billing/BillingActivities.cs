using EasyParkPlus.Activities.Payments;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Billing;
using EasyParkPlus.Domain;
using EasyParkPlus.Workflows.Billing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace EasyParkPlus.Activities.Billing;

// Every method finds what an earlier attempt wrote before writing anything: invoices by
// (workflow, kind, reference), payments and refunds by idempotency key (also sent to Stripe, which
// replays its first answer), receipts by invoice. A retry after a crash therefore changes nothing.
public sealed class BillingActivities(EasyParkDbContext db, Stripe.StripeClient stripe, TimeProvider time, ILogger<BillingActivities> logger) : IBillingActivities
{
    [Activity("Billing.IssueInvoice")]
    public async Task<IssuedInvoice> IssueInvoiceAsync(InvoiceRequest request)
    {
        var kind = ToInvoiceKind(request.Kind);
        var existing = await FindInvoiceAsync(request.WorkflowId, kind, request.Reference);
        if (existing is not null)
        {
            return new IssuedInvoice(existing.Id, existing.Total.Cents);
        }
        var invoice = new Invoice
        {
            Id = InvoiceIds.For(request.WorkflowId, kind, request.Reference),
            SourceWorkflowId = request.WorkflowId,
            Kind = kind,
            Reference = request.Reference,
            CustomerId = request.CustomerId,
            FacilityId = request.FacilityId,
            Status = InvoiceStatus.Open,
            IssuedAt = request.IssuedAt,
            Total = Money.FromCents(request.TotalCents),
        };
        invoice.LineItems.AddRange(request.Lines.Select((line, index) => new InvoiceLineItem
        {
            Position = index + 1,
            Code = line.Code,
            Description = line.Description,
            Quantity = line.Quantity,
            Unit = line.Unit,
            UnitPrice = Money.FromCents(line.UnitPriceCents),
            Amount = Money.FromCents(line.AmountCents),
        }));
        db.Invoices.Add(invoice);
        try
        {
            await db.SaveChangesAsync(CancellationToken);
        }
        catch (DbUpdateException error) when (IsUniqueViolation(error))
        {
            // A concurrent attempt of the same activity won the race: answer with its invoice.
            db.ChangeTracker.Clear();
            var winner = await FindInvoiceAsync(request.WorkflowId, kind, request.Reference);
            return new IssuedInvoice(winner!.Id, winner.Total.Cents);
        }
        BillingLog.InvoiceIssued(logger, invoice.Id, request.WorkflowId, request.Kind.ToString(), request.TotalCents);
        return new IssuedInvoice(invoice.Id, invoice.Total.Cents);
    }

    [Activity("Billing.ChargeSavedCard")]
    public async Task<PaymentRecorded> ChargeSavedCardAsync(SavedCardCharge charge)
    {
        var key = charge.IdempotencyKey;
        var payment = await db.Payments.SingleOrDefaultAsync(p => p.IdempotencyKey == key, CancellationToken);
        if (payment is { Status: PaymentStatus.Succeeded })
        {
            return new PaymentRecorded(payment.Id, PaymentChannel.SavedCard, payment.AmountCaptured.Cents, payment.StripePaymentIntentId);
        }
        var card = await db.PaymentMethods.AsNoTracking()
            .Where(m => m.CustomerId == charge.CustomerId && m.IsDefault)
            .Select(m => new { m.StripeCustomerId, m.StripePaymentMethodId })
            .SingleOrDefaultAsync(CancellationToken)
            ?? throw new ApplicationFailureException($"Customer {charge.CustomerId} has no saved default card.", BillingErrors.NoSavedCard, nonRetryable: true);

        var now = time.GetUtcNow();
        if (payment is null)
        {
            payment = new Payment
            {
                Id = Guid.NewGuid(),
                IdempotencyKey = key,
                InvoiceId = charge.InvoiceId,
                CustomerId = charge.CustomerId,
                Status = PaymentStatus.Pending,
                CaptureMethod = CaptureMethod.Automatic,
                Amount = Money.FromCents(charge.AmountCents),
            };
            db.Payments.Add(payment);
            await SaveOrReloadAsync();
            payment = await db.Payments.SingleAsync(p => p.IdempotencyKey == key, CancellationToken);
        }

        Stripe.PaymentIntent intent;
        try
        {
            intent = await stripe.V1.PaymentIntents.CreateAsync(
                new Stripe.PaymentIntentCreateOptions
                {
                    Amount = charge.AmountCents,
                    Currency = "usd",
                    Customer = card.StripeCustomerId,
                    PaymentMethod = card.StripePaymentMethodId,
                    AllowedPaymentMethodTypes = ["card"],
                    Confirm = true,
                    OffSession = true,
                    Description = charge.Description,
                    Metadata = new() { ["invoice_id"] = charge.InvoiceId.ToString(), ["step"] = charge.Step, ["workflow_id"] = charge.WorkflowId },
                },
                new Stripe.RequestOptions { IdempotencyKey = key }, CancellationToken);
        }
        catch (Exception exception) when (StripeFailure.From(exception, CancellationToken) is { } error)
        {
            Metrics.Payment("charge", Metrics.Outcome(error));
            if (error.IsRetryable)
            {
                // 5xx, 429, timeouts: Temporal retries with the same key.
                throw error.ToRetryableFailure(exception);
            }
            payment.Status = PaymentStatus.Failed;
            payment.FailureCode = error.DeclineCode ?? error.Code ?? error.Kind.ToString();
            payment.FailureMessage = error.StripeMessage ?? error.Message;
            payment.UpdatedAt = now;
            await db.SaveChangesAsync(CancellationToken);
            if (error.IsCardError)
            {
                BillingLog.SavedCardDeclined(logger, charge.InvoiceId, error.Code, error.DeclineCode, key);
                throw new ApplicationFailureException(error.StripeMessage ?? "The card was declined.", BillingErrors.CardDeclined, nonRetryable: true,
                    details: [new { error.Code, error.DeclineCode }]);
            }
            throw new ApplicationFailureException($"Stripe refused the charge: {error.Message}", BillingErrors.PaymentRejected, nonRetryable: true);
        }

        payment.StripePaymentIntentId = intent.Id;
        payment.Status = intent.Status == "succeeded" ? PaymentStatus.Succeeded : PaymentStatus.Processing;
        payment.AmountCaptured = Money.FromCents(intent.AmountReceived);
        payment.UpdatedAt = now;
        await MarkInvoicePaidAsync(charge.InvoiceId, now);
        await db.SaveChangesAsync(CancellationToken);
        Metrics.Payment("charge", "succeeded", intent.AmountReceived);
        BillingLog.SavedCardCharged(logger, charge.AmountCents, charge.InvoiceId, intent.Id, key);
        return new PaymentRecorded(payment.Id, PaymentChannel.SavedCard, intent.AmountReceived, intent.Id);
    }

    [Activity("Billing.RecordPayStationPayment")]
    public async Task<PaymentRecorded> RecordPayStationPaymentAsync(PayStationPayment payment)
    {
        var key = $"{payment.WorkflowId}/pay-station/{payment.Reference}";
        var row = await db.Payments.SingleOrDefaultAsync(p => p.IdempotencyKey == key, CancellationToken);
        if (row is null)
        {
            row = new Payment
            {
                Id = Guid.NewGuid(),
                IdempotencyKey = key,
                InvoiceId = payment.InvoiceId,
                CustomerId = payment.CustomerId,
                Status = PaymentStatus.Succeeded,
                CaptureMethod = CaptureMethod.Automatic,
                Amount = Money.FromCents(payment.AmountCents),
                AmountCaptured = Money.FromCents(payment.AmountCents),
            };
            db.Payments.Add(row);
            // A booth may take the amount in parts; the invoice is paid once they cover it.
            var paidBefore = (await db.Payments.Where(p => p.InvoiceId == payment.InvoiceId && p.Status == PaymentStatus.Succeeded)
                .Select(p => p.AmountCaptured).ToListAsync(CancellationToken)).Sum(m => m.Cents);
            var total = await db.Invoices.Where(i => i.Id == payment.InvoiceId).Select(i => i.Total).SingleOrDefaultAsync(CancellationToken);
            if (paidBefore + payment.AmountCents >= total.Cents)
            {
                await MarkInvoicePaidAsync(payment.InvoiceId, payment.PaidAt);
            }
            await SaveOrReloadAsync();
            row = await db.Payments.SingleAsync(p => p.IdempotencyKey == key, CancellationToken);
        }
        return new PaymentRecorded(row.Id, PaymentChannel.PayStation, row.AmountCaptured.Cents, null);
    }

    [Activity("Billing.IssueReceipt")]
    public async Task<IssuedReceipt> IssueReceiptAsync(ReceiptRequest request)
    {
        var existing = await db.Receipts.AsNoTracking().SingleOrDefaultAsync(r => r.InvoiceId == request.InvoiceId, CancellationToken);
        if (existing is not null)
        {
            return new IssuedReceipt(existing.Id, existing.Number, existing.Total.Cents);
        }
        var invoice = await db.Invoices.SingleOrDefaultAsync(i => i.Id == request.InvoiceId, CancellationToken)
            ?? throw new ApplicationFailureException($"Invoice {request.InvoiceId} does not exist.", "InvoiceNotFound", nonRetryable: true);
        // Nothing owed (grace, pass, credit) settles the invoice without a payment.
        if (invoice.Status == InvoiceStatus.Open && (invoice.Total <= Money.Zero || request.PaymentId is not null))
        {
            invoice.Status = InvoiceStatus.Paid;
            invoice.PaidAt ??= request.IssuedAt;
            invoice.UpdatedAt = time.GetUtcNow();
        }
        var receipt = new Receipt { Id = Guid.NewGuid(), InvoiceId = invoice.Id, PaymentId = request.PaymentId, Total = invoice.Total, IssuedAt = request.IssuedAt };
        db.Receipts.Add(receipt);
        try
        {
            await db.SaveChangesAsync(CancellationToken);
        }
        catch (DbUpdateException error) when (IsUniqueViolation(error))
        {
            db.ChangeTracker.Clear();
            var winner = await db.Receipts.AsNoTracking().SingleAsync(r => r.InvoiceId == request.InvoiceId, CancellationToken);
            return new IssuedReceipt(winner.Id, winner.Number, winner.Total.Cents);
        }
        return new IssuedReceipt(receipt.Id, receipt.Number, receipt.Total.Cents);
    }

    [Activity("Billing.RefundPayment")]
    public async Task<RefundRecorded> RefundPaymentAsync(RefundCommand refund)
    {
        var key = refund.IdempotencyKey;
        var existing = await db.Refunds.AsNoTracking().SingleOrDefaultAsync(r => r.IdempotencyKey == key, CancellationToken);
        if (existing is { Status: RefundStatus.Succeeded or RefundStatus.Pending })
        {
            // A retry after a crash between the refund and the invoice's status finishes the job.
            await MarkInvoiceRefundedAsync(existing.PaymentId);
            return new RefundRecorded(existing.Id, existing.Amount.Cents, existing.StripeRefundId);
        }
        var payment = await db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.Id == refund.PaymentId, CancellationToken)
            ?? throw new ApplicationFailureException($"Payment {refund.PaymentId} does not exist.", "PaymentNotFound", nonRetryable: true);
        if (payment.StripePaymentIntentId is not { } intentId)
        {
            throw new ApplicationFailureException($"Payment {payment.Id} was not taken through Stripe; refund it at the pay station.", BillingErrors.PaymentRejected, nonRetryable: true);
        }
        Stripe.Refund stripeRefund;
        try
        {
            stripeRefund = await stripe.V1.Refunds.CreateAsync(new Stripe.RefundCreateOptions
            {
                PaymentIntent = intentId,
                Amount = refund.AmountCents,
                Reason = "requested_by_customer",
                Metadata = new() { ["reason"] = refund.Reason, ["workflow_id"] = refund.WorkflowId },
            }, new Stripe.RequestOptions { IdempotencyKey = key }, CancellationToken);
        }
        catch (Exception exception) when (StripeFailure.From(exception, CancellationToken) is { } error)
        {
            Metrics.Payment("refund", Metrics.Outcome(error));
            throw error.IsRetryable
                ? error.ToRetryableFailure(exception)
                : new ApplicationFailureException($"Stripe refused the refund: {error.Message}", BillingErrors.PaymentRejected, nonRetryable: true);
        }
        Metrics.Payment("refund", "succeeded", stripeRefund.Amount);
        var row = new Refund
        {
            Id = Guid.NewGuid(),
            PaymentId = payment.Id,
            IdempotencyKey = key,
            StripeRefundId = stripeRefund.Id,
            Amount = Money.FromCents(stripeRefund.Amount),
            Reason = refund.Reason,
            Status = stripeRefund.Status == "succeeded" ? RefundStatus.Succeeded : RefundStatus.Pending,
            // Reports put a refund on the day it was made, by the same clock that stamps payments.
            CreatedAt = time.GetUtcNow(),
            UpdatedAt = time.GetUtcNow(),
        };
        db.Refunds.Add(row);
        try
        {
            await db.SaveChangesAsync(CancellationToken);
        }
        catch (DbUpdateException error) when (IsUniqueViolation(error))
        {
            db.ChangeTracker.Clear();
            row = await db.Refunds.AsNoTracking().SingleAsync(r => r.IdempotencyKey == key, CancellationToken);
        }
        await MarkInvoiceRefundedAsync(payment.Id);
        BillingLog.Refunded(logger, row.Amount.Cents, payment.Id, row.StripeRefundId ?? "", key);
        return new RefundRecorded(row.Id, row.Amount.Cents, row.StripeRefundId);
    }

    // A paid invoice whose payments went back in part or in full says so to the driver: PartiallyRefunded or Refunded.
    private async Task MarkInvoiceRefundedAsync(Guid paymentId)
    {
        var invoiceId = await db.Payments.Where(p => p.Id == paymentId).Select(p => p.InvoiceId).SingleOrDefaultAsync(CancellationToken);
        var invoice = invoiceId is { } id ? await db.Invoices.SingleOrDefaultAsync(i => i.Id == id, CancellationToken) : null;
        if (invoice is not { Status: InvoiceStatus.Paid or InvoiceStatus.PartiallyRefunded or InvoiceStatus.Refunded })
        {
            return;
        }
        var paid = (await db.Payments.Where(p => p.InvoiceId == invoice.Id && p.Status == PaymentStatus.Succeeded)
            .Select(p => p.AmountCaptured).ToListAsync(CancellationToken)).Sum(m => m.Cents);
        var refunded = (await (from r in db.Refunds
                               join p in db.Payments on r.PaymentId equals p.Id
                               where p.InvoiceId == invoice.Id && (r.Status == RefundStatus.Succeeded || r.Status == RefundStatus.Pending)
                               select r.Amount).ToListAsync(CancellationToken)).Sum(m => m.Cents);
        var status = refunded <= 0 ? invoice.Status : refunded >= paid ? InvoiceStatus.Refunded : InvoiceStatus.PartiallyRefunded;
        if (status != invoice.Status)
        {
            invoice.Status = status;
            invoice.UpdatedAt = time.GetUtcNow();
            await db.SaveChangesAsync(CancellationToken);
        }
    }

    private static CancellationToken CancellationToken =>
        ActivityExecutionContext.HasCurrent ? ActivityExecutionContext.Current.CancellationToken : default;

    private Task<Invoice?> FindInvoiceAsync(string workflowId, InvoiceKind kind, string reference) =>
        db.Invoices.AsNoTracking().SingleOrDefaultAsync(
            i => i.SourceWorkflowId == workflowId && i.Kind == kind && i.Reference == reference, CancellationToken);

    private async Task MarkInvoicePaidAsync(Guid invoiceId, DateTimeOffset paidAt)
    {
        var invoice = await db.Invoices.SingleOrDefaultAsync(i => i.Id == invoiceId, CancellationToken);
        if (invoice is { Status: InvoiceStatus.Open })
        {
            invoice.Status = InvoiceStatus.Paid;
            invoice.PaidAt = paidAt;
            invoice.UpdatedAt = time.GetUtcNow();
        }
    }

    private async Task SaveOrReloadAsync()
    {
        try
        {
            await db.SaveChangesAsync(CancellationToken);
        }
        catch (DbUpdateException error) when (IsUniqueViolation(error))
        {
            // Another attempt with the same key inserted first; its row is the one to continue with.
            db.ChangeTracker.Clear();
        }
    }

    private static bool IsUniqueViolation(DbUpdateException error) =>
        error.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    private static InvoiceKind ToInvoiceKind(BillableKind kind) => kind switch
    {
        BillableKind.Parking => InvoiceKind.Parking,
        BillableKind.Charging => InvoiceKind.Charging,
        BillableKind.Reservation => InvoiceKind.Reservation,
        BillableKind.Subscription => InvoiceKind.Subscription,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown billable kind."),
    };
}
