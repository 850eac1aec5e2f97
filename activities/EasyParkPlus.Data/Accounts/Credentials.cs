using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Accounts;

// Only a hash of the refresh token is stored; rotation links the old token to its replacement so
// reuse of a rotated token can be detected.
public class RefreshToken
{
    public Guid Id { get; set; }

    public Guid CustomerId { get; set; }

    public required string TokenHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public Guid? ReplacedById { get; set; }
}

// A gate controller's login: its id, facility and the hash of its secret.
public class DeviceCredential
{
    public required string Id { get; set; }

    public required string FacilityId { get; set; }

    public required string SecretHash { get; set; }

    public string? Description { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> builder)
    {
        builder.ToTable("refresh_tokens", Schemas.Accounts);
        builder.Property(token => token.Id).ValueGeneratedNever();
        builder.HasIndex(token => token.TokenHash).IsUnique();
        builder.HasOne<Customer>().WithMany().HasForeignKey(token => token.CustomerId);
        builder.HasOne<RefreshToken>().WithMany().HasForeignKey(token => token.ReplacedById);
    }
}

internal sealed class DeviceCredentialConfiguration : IEntityTypeConfiguration<DeviceCredential>
{
    public void Configure(EntityTypeBuilder<DeviceCredential> builder) => builder.ToTable("device_credentials", Schemas.Accounts);
}
