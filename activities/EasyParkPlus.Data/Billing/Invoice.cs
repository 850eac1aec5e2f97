using EasyParkPlus.Data.Storage;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Pricing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Billing;

public enum InvoiceKind
{
    Parking,
    Charging,
    Reservation,
    Subscription,
}

public enum InvoiceStatus
{
    Open,
    Paid,

    // Paid, then some of the payment went back (Refunds hold how much and when).
    PartiallyRefunded,

    // Paid, then all of it went back.
    Refunded,
    Void,
    Uncollectible,
}

// Unique per (SourceWorkflowId, Kind, Reference): an activity retried after a crash finds the
// invoice it already wrote instead of billing twice. Reference tells apart several invoices of one
// workflow and kind, e.g. the "2026-12" renewal of a subscription workflow.
public class Invoice
{
    public Guid Id { get; set; }

    public required string SourceWorkflowId { get; set; }

    public InvoiceKind Kind { get; set; }

    public string Reference { get; set; } = string.Empty;

    public Guid? CustomerId { get; set; }

    public string? FacilityId { get; set; }

    public string Currency { get; set; } = "usd";

    public Money Total { get; set; }

    public InvoiceStatus Status { get; set; }

    public DateTimeOffset IssuedAt { get; set; }

    public DateTimeOffset? PaidAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public uint Version { get; set; }

    public List<InvoiceLineItem> LineItems { get; } = [];

    // Copies a price's lines and total, so the invoice always sums to what the domain priced.
    public void SetLines(PriceBreakdown price)
    {
        LineItems.Clear();
        LineItems.AddRange(price.Lines.Select((line, index) => InvoiceLineItem.From(line, index + 1)));
        Total = price.Total;
    }
}

public class InvoiceLineItem
{
    public long Id { get; set; }

    public Guid InvoiceId { get; set; }

    public int Position { get; set; }

    public required string Code { get; set; }

    public required string Description { get; set; }

    public decimal Quantity { get; set; }

    public required string Unit { get; set; }

    public Money UnitPrice { get; set; }

    public Money Amount { get; set; }

    public static InvoiceLineItem From(PriceLine line, int position) => new()
    {
        Position = position,
        Code = line.Code,
        Description = line.Description,
        Quantity = line.Quantity,
        Unit = line.Unit,
        UnitPrice = line.UnitPrice,
        Amount = line.Amount,
    };
}

internal sealed class InvoiceConfiguration : IEntityTypeConfiguration<Invoice>
{
    public void Configure(EntityTypeBuilder<Invoice> builder)
    {
        builder.ToTable("invoices", Schemas.Billing, table =>
        {
            table.HasEnumCheck<InvoiceKind>("kind");
            table.HasEnumCheck<InvoiceStatus>("status");
        });
        builder.Property(invoice => invoice.Id).ValueGeneratedNever();
        builder.Property(invoice => invoice.Reference).HasDefaultValueSql("''");
        builder.Property(invoice => invoice.Currency).HasDefaultValueSql("'usd'");
        builder.HasIndex(invoice => new { invoice.SourceWorkflowId, invoice.Kind, invoice.Reference }).IsUnique();
        builder.HasIndex(invoice => new { invoice.CustomerId, invoice.IssuedAt }).IsDescending(false, true).HasFilter("customer_id IS NOT NULL");
        // Lines are part of the invoice document and mean nothing without it.
        builder.HasMany(invoice => invoice.LineItems).WithOne().HasForeignKey(line => line.InvoiceId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(invoice => invoice.Version).IsXminVersion();
    }
}

internal sealed class InvoiceLineItemConfiguration : IEntityTypeConfiguration<InvoiceLineItem>
{
    public void Configure(EntityTypeBuilder<InvoiceLineItem> builder)
    {
        builder.ToTable("invoice_line_items", Schemas.Billing);
        builder.HasIndex(line => new { line.InvoiceId, line.Position }).IsUnique();
        builder.Property(line => line.Quantity).HasPrecision(18, 3);
    }
}
