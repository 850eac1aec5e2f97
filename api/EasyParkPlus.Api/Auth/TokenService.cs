using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EasyParkPlus.Api.Auth;

/// <summary>An access token and when it expires.</summary>
public sealed record AccessToken(string Token, DateTimeOffset ExpiresAt);

/// <summary>Issues signed JWT access tokens and opaque refresh tokens (stored only as a SHA-256 hash).</summary>
public sealed class TokenService(IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly AuthOptions _options = options.Value;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public static SymmetricSecurityKey SigningKey(AuthOptions options) => new(Encoding.UTF8.GetBytes(options.SigningKey));

    public const string SessionClaim = "sid";

    public AccessToken CreateAccessToken(string subject, string role, string? email = null, string? facilityId = null, Guid? sessionId = null)
    {
        var now = time.GetUtcNow();
        var expires = now + _options.AccessTokenLifetime;
        var claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = subject, [Roles.ClaimType] = role };
        if (email is not null)
        {
            claims[JwtRegisteredClaimNames.Email] = email;
        }
        if (facilityId is not null)
        {
            claims["facility"] = facilityId;
        }
        if (sessionId is not null)
        {
            claims[SessionClaim] = sessionId.Value.ToString();
        }
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(SigningKey(_options), SecurityAlgorithms.HmacSha256),
        });
        return new AccessToken(token, expires);
    }

    /// <summary>A fresh 256-bit random refresh token (base64url) and the hash to store.</summary>
    public static (string Token, string Hash) NewRefreshToken()
    {
        var token = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (token, HashRefreshToken(token));
    }

    public static string HashRefreshToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}

/// <summary>Reads the caller from the validated token.</summary>
public static class ClaimsPrincipalExtensions
{
    public static Guid? CustomerId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(JwtRegisteredClaimNames.Sub), out var id) ? id : null;

    public static Guid? SessionId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(TokenService.SessionClaim), out var id) ? id : null;

    public static bool IsOperator(this ClaimsPrincipal user) => user.IsInRole(Roles.Operator) || user.IsInRole(Roles.Admin);
}
