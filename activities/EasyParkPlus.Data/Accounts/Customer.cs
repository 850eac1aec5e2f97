using EasyParkPlus.Data.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Accounts;

public enum CustomerRole
{
    Driver,
    Operator,
    Admin,
}

// Everyone who logs in to the API is a customer row with a role.
public class Customer
{
    public Guid Id { get; set; }

    // Stored lower-case (a CHECK enforces it) so the unique index is case-insensitive.
    public required string Email { get; set; }

    public required string Name { get; set; }

    public CustomerRole Role { get; set; }

    // ASP.NET Core PasswordHasher<T> output; null for accounts that cannot log in with a password.
    public string? PasswordHash { get; set; }

    public string? StripeCustomerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public uint Version { get; set; }

    public List<Vehicle> Vehicles { get; } = [];

    public List<PaymentMethod> PaymentMethods { get; } = [];

    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();
}

public class PaymentMethod
{
    public Guid Id { get; set; }

    public Guid CustomerId { get; set; }

    public required string StripeCustomerId { get; set; }

    public required string StripePaymentMethodId { get; set; }

    public required string Brand { get; set; }

    public required string Last4 { get; set; }

    public int? ExpMonth { get; set; }

    public int? ExpYear { get; set; }

    // At most one default per customer (a partial unique index).
    public bool IsDefault { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class CustomerConfiguration : IEntityTypeConfiguration<Customer>
{
    public void Configure(EntityTypeBuilder<Customer> builder)
    {
        builder.ToTable("customers", Schemas.Accounts, table =>
        {
            table.HasColumnCheck("email", "email = lower(email) AND email LIKE '%_@_%'");
            table.HasEnumCheck<CustomerRole>("role");
        });
        builder.Property(customer => customer.Id).ValueGeneratedNever();
        builder.HasIndex(customer => customer.Email).IsUnique();
        builder.HasIndex(customer => customer.StripeCustomerId).IsUnique();
        // A customer's vehicles and saved cards are the account's own data and go with it.
        builder.HasMany(customer => customer.Vehicles).WithOne().HasForeignKey(vehicle => vehicle.CustomerId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(customer => customer.PaymentMethods).WithOne().HasForeignKey(method => method.CustomerId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(customer => customer.Version).IsXminVersion();
    }
}

internal sealed class PaymentMethodConfiguration : IEntityTypeConfiguration<PaymentMethod>
{
    public void Configure(EntityTypeBuilder<PaymentMethod> builder)
    {
        builder.ToTable("payment_methods", Schemas.Accounts, table =>
        {
            table.HasColumnCheck("last4", "last4 ~ '^[0-9]{4}$'");
            table.HasColumnCheck("exp_month", "exp_month BETWEEN 1 AND 12");
        });
        builder.Property(method => method.Id).ValueGeneratedNever();
        builder.Property(method => method.IsDefault).HasDefaultValue(false);
        builder.HasIndex(method => method.StripePaymentMethodId).IsUnique();
        builder.HasIndex(method => method.CustomerId).IsUnique().HasFilter("is_default");
    }
}
