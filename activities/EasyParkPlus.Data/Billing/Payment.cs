using EasyParkPlus.Data.Storage;
using EasyParkPlus.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Billing;

// Mirrors Stripe's PaymentIntent statuses, plus Pending (not sent yet) and Failed (gave up).
public enum PaymentStatus
{
    Pending,
    RequiresPaymentMethod,
    RequiresConfirmation,
    RequiresAction,
    Processing,
    RequiresCapture,
    Succeeded,
    Canceled,
    Failed,
}

public enum CaptureMethod
{
    Automatic,
    Manual,
}

// One row per Stripe PaymentIntent; IdempotencyKey is the same key sent to Stripe, so a retried
// activity finds its row and Stripe returns the same intent.
public class Payment
{
    public Guid Id { get; set; }

    public Guid? InvoiceId { get; set; }

    public Guid? CustomerId { get; set; }

    public required string IdempotencyKey { get; set; }

    public string? StripePaymentIntentId { get; set; }

    public PaymentStatus Status { get; set; }

    public CaptureMethod CaptureMethod { get; set; }

    public string Currency { get; set; } = "usd";

    public Money Amount { get; set; }

    public Money AmountAuthorized { get; set; }

    public Money AmountCaptured { get; set; }

    public string? FailureCode { get; set; }

    public string? FailureMessage { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public uint Version { get; set; }
}

public enum RefundStatus
{
    Pending,
    RequiresAction,
    Succeeded,
    Failed,
    Canceled,
}

public class Refund
{
    public Guid Id { get; set; }

    public Guid PaymentId { get; set; }

    public required string IdempotencyKey { get; set; }

    public string? StripeRefundId { get; set; }

    public Money Amount { get; set; }

    public string? Reason { get; set; }

    public RefundStatus Status { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

public class Receipt
{
    public Guid Id { get; set; }

    // Customer-facing number from an identity column; leave 0 and the database assigns it.
    public long Number { get; set; }

    public Guid InvoiceId { get; set; }

    public Guid? PaymentId { get; set; }

    public Money Total { get; set; }

    public string? EmailedTo { get; set; }

    public DateTimeOffset IssuedAt { get; set; }
}

internal sealed class PaymentConfiguration : IEntityTypeConfiguration<Payment>
{
    public void Configure(EntityTypeBuilder<Payment> builder)
    {
        builder.ToTable("payments", Schemas.Billing, table =>
        {
            table.HasEnumCheck<PaymentStatus>("status");
            table.HasEnumCheck<CaptureMethod>("capture_method");
            table.HasColumnCheck("amount_cents", "amount_cents >= 0");
        });
        builder.Property(payment => payment.Id).ValueGeneratedNever();
        builder.Property(payment => payment.Currency).HasDefaultValueSql("'usd'");
        builder.Property(payment => payment.AmountAuthorized).HasDefaultValueSql("0");
        builder.Property(payment => payment.AmountCaptured).HasDefaultValueSql("0");
        builder.HasIndex(payment => payment.IdempotencyKey).IsUnique();
        builder.HasIndex(payment => payment.StripePaymentIntentId).IsUnique();
        builder.HasIndex(payment => payment.InvoiceId).HasFilter("invoice_id IS NOT NULL");
        // Money moved at Stripe stays on record: deleting an invoice with payments fails.
        builder.HasOne<Invoice>().WithMany().HasForeignKey(payment => payment.InvoiceId).OnDelete(DeleteBehavior.NoAction);
        builder.Property(payment => payment.Version).IsXminVersion();
    }
}

internal sealed class RefundConfiguration : IEntityTypeConfiguration<Refund>
{
    public void Configure(EntityTypeBuilder<Refund> builder)
    {
        builder.ToTable("refunds", Schemas.Billing, table =>
        {
            table.HasColumnCheck("amount_cents", "amount_cents > 0");
            table.HasEnumCheck<RefundStatus>("status");
        });
        builder.Property(refund => refund.Id).ValueGeneratedNever();
        builder.HasIndex(refund => refund.IdempotencyKey).IsUnique();
        builder.HasIndex(refund => refund.StripeRefundId).IsUnique();
        builder.HasIndex(refund => refund.PaymentId);
        builder.HasIndex(refund => refund.CreatedAt);
        // Money rows are never deleted with their owner: deleting a payment that has refunds fails.
        builder.HasOne<Payment>().WithMany().HasForeignKey(refund => refund.PaymentId).OnDelete(DeleteBehavior.NoAction);
    }
}

internal sealed class ReceiptConfiguration : IEntityTypeConfiguration<Receipt>
{
    public void Configure(EntityTypeBuilder<Receipt> builder)
    {
        builder.ToTable("receipts", Schemas.Billing);
        builder.Property(receipt => receipt.Id).ValueGeneratedNever();
        builder.Property(receipt => receipt.Number).UseIdentityByDefaultColumn();
        builder.HasIndex(receipt => receipt.Number).IsUnique();
        builder.HasIndex(receipt => receipt.InvoiceId).IsUnique();
        // A receipt went to a customer: deleting its invoice or payment fails instead of taking it along.
        builder.HasOne<Invoice>().WithMany().HasForeignKey(receipt => receipt.InvoiceId).OnDelete(DeleteBehavior.NoAction);
        builder.HasOne<Payment>().WithMany().HasForeignKey(receipt => receipt.PaymentId).OnDelete(DeleteBehavior.NoAction);
    }
}
