using System.ComponentModel.DataAnnotations;

namespace EasyParkPlus.Api.Auth;

/// <summary>Bound from "Auth". The signing key can also come from EASYPARK_JWT_SIGNING_KEY; there is no default, in
/// Development neither (`./easypark run` creates one per installation under .easypark/).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>HMAC-SHA256 key; at least 32 bytes (256 bits).</summary>
    [Required]
    [MinLength(32)]
    public string SigningKey { get; set; } = "";

    [Required]
    public string Issuer { get; set; } = "easypark";

    [Required]
    public string Audience { get; set; } = "easypark-api";

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:05:00", "365.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Tolerated clock difference between api instances when validating lifetimes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A rotated refresh token presented again within this time gets the same new pair instead of revoking its family.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RefreshReuseGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an api instance trusts its last look at whether an access token's session was revoked.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RevocationCacheFor { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Password of the accounts Development seeding creates (operator@ and admin@easypark.local); no default:
    /// `./easypark run` makes one per installation, the tests set their own. Without it nothing is seeded.</summary>
    public string DevelopmentPassword { get; set; } = "";

    /// <summary>Creates the development operator and admin accounts at start-up; on by default only in Development.</summary>
    public bool? SeedDevelopmentAccounts { get; set; }
}
