using System.Net.Mail;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Api.Auth;

public sealed record RegisterRequest(string? Email, string? Password, string? Name) : IValidatable
{
    public void Validate(ValidationErrors errors)
    {
        if (errors.Text("email", Email, 254) && !MailAddress.TryCreate(Email.Trim(), out _))
        {
            errors.Add("email", "'email' is not a valid e-mail address.");
        }
        if (Password is null || Password.Length < 10)
        {
            errors.Add("password", "'password' must be at least 10 characters.");
        }
        else if (Password.Length > 200)
        {
            errors.Add("password", "'password' must be at most 200 characters.");
        }
        errors.Text("name", Name, 200);
    }
}

public sealed record LoginRequest(string? Email, string? Password) : IValidatable
{
    public void Validate(ValidationErrors errors)
    {
        errors.Text("email", Email, 254);
        if (string.IsNullOrEmpty(Password) || Password.Length > 200)
        {
            errors.Add("password", "'password' is required (at most 200 characters).");
        }
    }
}

public sealed record RefreshRequest(string? RefreshToken) : IValidatable
{
    public void Validate(ValidationErrors errors) => errors.Text("refreshToken", RefreshToken, 200);
}

public sealed record DeviceTokenRequest(string? DeviceId, string? Secret) : IValidatable
{
    public void Validate(ValidationErrors errors)
    {
        errors.Text("deviceId", DeviceId, 100);
        errors.Text("secret", Secret, 200);
    }
}

public sealed record TokenResponse(string AccessToken, string RefreshToken, DateTimeOffset ExpiresAt);

public sealed record DeviceTokenResponse(string AccessToken, DateTimeOffset ExpiresAt);

public sealed record MeResponse(Guid Id, string Email, string Name, string Role, DateTimeOffset CreatedAt);

public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/auth").WithTags("Auth");
        group.MapPost("/register", RegisterAsync).Validate<RegisterRequest>().AllowAnonymous()
            .WithSummary("Create a driver account (anyone).");
        group.MapPost("/login", LoginAsync).Validate<LoginRequest>().AllowAnonymous()
            .WithSummary("Exchange e-mail and password for an access and a refresh token (anyone).");
        group.MapPost("/refresh", RefreshAsync).Validate<RefreshRequest>().AllowAnonymous()
            .WithSummary("Rotate a refresh token (anyone holding one); a reused token revokes the whole family.");
        group.MapPost("/device-token", DeviceTokenAsync).Validate<DeviceTokenRequest>().AllowAnonymous()
            .WithSummary("Exchange a gate/charger device credential for a device access token (devices).");
        api.MapGet("/me", MeAsync).RequireAuthorization(Policies.Driver).WithTags("Auth")
            .WithSummary("The signed-in account (Driver policy).");
        return api;
    }

    internal static async Task<Results<Created<MeResponse>, ProblemHttpResult>> RegisterAsync(
        RegisterRequest request, EasyParkDbContext db, IPasswordHasher<Customer> hasher, TimeProvider time, CancellationToken ct)
    {
        var email = Customer.NormalizeEmail(request.Email!);
        if (await db.Customers.AnyAsync(c => c.Email == email, ct))
        {
            return TypedResults.Problem(title: "An account with this e-mail already exists.", statusCode: StatusCodes.Status409Conflict);
        }
        var now = time.GetUtcNow();
        var customer = new Customer { Id = Guid.NewGuid(), Email = email, Name = request.Name!.Trim(), Role = CustomerRole.Driver, CreatedAt = now, UpdatedAt = now };
        customer.PasswordHash = hasher.HashPassword(customer, request.Password!);
        db.Customers.Add(customer);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Lost a race with a concurrent registration of the same address.
            return TypedResults.Problem(title: "An account with this e-mail already exists.", statusCode: StatusCodes.Status409Conflict);
        }
        return TypedResults.Created("/api/v1/me", ToMe(customer));
    }

    internal static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, EasyParkDbContext db, IPasswordHasher<Customer> hasher, TokenService tokens,
        IOptions<AuthOptions> options, TimeProvider time, CancellationToken ct)
    {
        var email = Customer.NormalizeEmail(request.Email!);
        var customer = await db.Customers.FirstOrDefaultAsync(c => c.Email == email, ct);
        var verdict = customer?.PasswordHash is null ? PasswordVerificationResult.Failed : hasher.VerifyHashedPassword(customer, customer.PasswordHash, request.Password!);
        if (customer is null || verdict == PasswordVerificationResult.Failed)
        {
            return InvalidCredentials();
        }
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            customer.PasswordHash = hasher.HashPassword(customer, request.Password!);
        }
        return TypedResults.Ok(await IssueAsync(db, tokens, options.Value, time, customer, ct));
    }

    internal static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, EasyParkDbContext db, TokenService tokens, IOptions<AuthOptions> options, TimeProvider time, CancellationToken ct)
    {
        var hash = TokenService.HashRefreshToken(request.RefreshToken!);
        var stored = await db.RefreshTokens.FirstOrDefaultAsync(t => t.TokenHash == hash, ct);
        var now = time.GetUtcNow();
        if (stored is null || stored.ExpiresAt <= now)
        {
            return InvalidRefreshToken();
        }
        if (stored.RevokedAt is not null)
        {
            // A rotated token presented again means it leaked: revoke every live token of the account.
            await db.RefreshTokens.Where(t => t.CustomerId == stored.CustomerId && t.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), ct);
            return InvalidRefreshToken();
        }
        var customer = await db.Customers.FirstAsync(c => c.Id == stored.CustomerId, ct);
        var response = await IssueAsync(db, tokens, options.Value, time, customer, ct, stored);
        return TypedResults.Ok(response);
    }

    internal static async Task<Results<Ok<DeviceTokenResponse>, ProblemHttpResult>> DeviceTokenAsync(
        DeviceTokenRequest request, EasyParkDbContext db, IPasswordHasher<DeviceCredential> hasher, TokenService tokens, CancellationToken ct)
    {
        var device = await db.DeviceCredentials.FirstOrDefaultAsync(d => d.Id == request.DeviceId, ct);
        if (device is null || device.RevokedAt is not null
            || hasher.VerifyHashedPassword(device, device.SecretHash, request.Secret!) == PasswordVerificationResult.Failed)
        {
            return InvalidCredentials();
        }
        var token = tokens.CreateAccessToken(device.Id, Roles.Device, facilityId: device.FacilityId);
        return TypedResults.Ok(new DeviceTokenResponse(token.Token, token.ExpiresAt));
    }

    internal static async Task<Results<Ok<MeResponse>, NotFound>> MeAsync(System.Security.Claims.ClaimsPrincipal user, EasyParkDbContext db, CancellationToken ct)
    {
        var id = user.CustomerId();
        var customer = id is null ? null : await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        return customer is null ? TypedResults.NotFound() : TypedResults.Ok(ToMe(customer));
    }

    private static async Task<TokenResponse> IssueAsync(
        EasyParkDbContext db, TokenService tokens, AuthOptions options, TimeProvider time, Customer customer, CancellationToken ct, RefreshToken? rotated = null)
    {
        var now = time.GetUtcNow();
        var (refresh, hash) = TokenService.NewRefreshToken();
        var row = new RefreshToken { Id = Guid.NewGuid(), CustomerId = customer.Id, TokenHash = hash, CreatedAt = now, ExpiresAt = now + options.RefreshTokenLifetime };
        db.RefreshTokens.Add(row);
        if (rotated is not null)
        {
            rotated.RevokedAt = now;
            await db.SaveChangesAsync(ct);
            rotated.ReplacedById = row.Id;
        }
        await db.SaveChangesAsync(ct);
        var access = tokens.CreateAccessToken(customer.Id.ToString(), RoleName(customer.Role), customer.Email);
        return new TokenResponse(access.Token, refresh, access.ExpiresAt);
    }

    public static string RoleName(CustomerRole role) => role switch
    {
        CustomerRole.Operator => Roles.Operator,
        CustomerRole.Admin => Roles.Admin,
        _ => Roles.Driver,
    };

    private static MeResponse ToMe(Customer c) => new(c.Id, c.Email, c.Name, RoleName(c.Role), c.CreatedAt);

    private static ProblemHttpResult InvalidCredentials() =>
        TypedResults.Problem(title: "Invalid credentials.", statusCode: StatusCodes.Status401Unauthorized);

    private static ProblemHttpResult InvalidRefreshToken() =>
        TypedResults.Problem(title: "The refresh token is invalid, expired or already used.", statusCode: StatusCodes.Status401Unauthorized);
}
