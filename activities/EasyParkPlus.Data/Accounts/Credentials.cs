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

    // The login (family) this token belongs to; null for tokens issued before sessions existed.
    public Guid? SessionId { get; set; }

    // Once rotated: the successor pair, sealed with a key derived from this token (see AuthSessions), for the grace window.
    public byte[]? SuccessorSealed { get; set; }
}

// One login: its refresh tokens form a family and its access tokens carry its id (sid); revoked on logout or reuse.
public class AuthSession
{
    public Guid Id { get; set; }

    public Guid CustomerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public string? RevokedReason { get; set; }
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
        builder.HasIndex(token => token.CustomerId);
        builder.HasIndex(token => token.SessionId);
        // A login credential means nothing without its customer or its session (logout revokes the family).
        builder.HasOne<Customer>().WithMany().HasForeignKey(token => token.CustomerId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AuthSession>().WithMany().HasForeignKey(token => token.SessionId).OnDelete(DeleteBehavior.Cascade);
        // The rotation chain: tokens of a family go together through the session or customer cascade.
        builder.HasOne<RefreshToken>().WithMany().HasForeignKey(token => token.ReplacedById).OnDelete(DeleteBehavior.NoAction);
    }
}

internal sealed class AuthSessionConfiguration : IEntityTypeConfiguration<AuthSession>
{
    public void Configure(EntityTypeBuilder<AuthSession> builder)
    {
        builder.ToTable("auth_sessions", Schemas.Accounts);
        builder.Property(session => session.Id).ValueGeneratedNever();
        builder.HasIndex(session => session.CustomerId);
        // A login means nothing without its customer.
        builder.HasOne<Customer>().WithMany().HasForeignKey(session => session.CustomerId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DeviceCredentialConfiguration : IEntityTypeConfiguration<DeviceCredential>
{
    public void Configure(EntityTypeBuilder<DeviceCredential> builder) => builder.ToTable("device_credentials", Schemas.Accounts);
}
