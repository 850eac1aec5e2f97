using EasyParkPlus.Data.Storage;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Subscriptions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Billing;

// A monthly pass plan as sold (table subscription_plans); named Plan so it does not clash with
// the domain's SubscriptionPlan, which ToDomain returns for pricing.
public class Plan
{
    public required string Code { get; set; }

    public required string Name { get; set; }

    // Null: valid at every facility.
    public string? FacilityId { get; set; }

    public Money MonthlyPrice { get; set; }

    public bool Active { get; set; } = true;

    public SubscriptionPlan ToDomain() => new(Code, Name, FacilityId, MonthlyPrice);
}

public class Subscription
{
    public Guid Id { get; set; }

    public required string WorkflowId { get; set; }

    public Guid CustomerId { get; set; }

    public required string PlanCode { get; set; }

    // The plan's facility scope when bought (null: all facilities).
    public string? FacilityId { get; set; }

    public SubscriptionStatus Status { get; set; }

    public Money Price { get; set; }

    // Periods are anchor + n months (BillingPeriod.Monthly), so the anchor is kept.
    public DateTimeOffset AnchorAt { get; set; }

    public DateTimeOffset CurrentPeriodStart { get; set; }

    public DateTimeOffset CurrentPeriodEnd { get; set; }

    public Guid? PaymentMethodId { get; set; }

    public DateTimeOffset? PastDueSince { get; set; }

    public DateTimeOffset? CancelledAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public uint Version { get; set; }
}

internal sealed class PlanConfiguration : IEntityTypeConfiguration<Plan>
{
    public void Configure(EntityTypeBuilder<Plan> builder)
    {
        builder.ToTable("subscription_plans", Schemas.Billing, table => table.HasColumnCheck("monthly_price_cents", "monthly_price_cents >= 0"));
        builder.HasKey(plan => plan.Code);
        // Sentinel true: EF leaves the column to the database default only when the plan is active,
        // and sends an explicit false (otherwise an inactive plan would be stored active).
        builder.Property(plan => plan.Active).HasDefaultValue(true).HasSentinel(true);
    }
}

internal sealed class SubscriptionConfiguration : IEntityTypeConfiguration<Subscription>
{
    public void Configure(EntityTypeBuilder<Subscription> builder)
    {
        builder.ToTable("subscriptions", Schemas.Billing, table =>
        {
            table.HasEnumCheck<SubscriptionStatus>("status");
            table.HasColumnCheck("price_cents", "price_cents >= 0");
            table.HasCheckConstraint("ck_subscriptions_period", "current_period_end > current_period_start");
        });
        builder.Property(subscription => subscription.Id).ValueGeneratedNever();
        builder.HasIndex(subscription => subscription.WorkflowId).IsUnique();
        builder.HasIndex(subscription => new { subscription.CustomerId, subscription.Status });
        // A plan is retired with Active = false; its subscriptions (and their invoices) keep it.
        builder.HasOne<Plan>().WithMany().HasForeignKey(subscription => subscription.PlanCode).OnDelete(DeleteBehavior.NoAction);
        builder.Property(subscription => subscription.Version).IsXminVersion();
    }
}
