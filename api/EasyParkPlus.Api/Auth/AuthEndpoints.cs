using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using EasyParkPlus.ServiceDefaults.Security;

namespace EasyParkPlus.Api.Auth;

public sealed record RegisterRequest([Email] string? Email, [Password(MinLength = 10)] string? Password, [Text(200)] string? Name);

public sealed record LoginRequest([Text(254)] string? Email, [Password] string? Password);

public sealed record RefreshRequest([Text(200)] string? RefreshToken);

public sealed record DeviceTokenRequest([Text(100)] string? DeviceId, [Text(200)] string? Secret);

public sealed record TokenResponse(string AccessToken, string RefreshToken, DateTimeOffset ExpiresAt);

public sealed record DeviceTokenResponse(string AccessToken, DateTimeOffset ExpiresAt);

public sealed record MeResponse(Guid Id, string Email, string Name, string Role, DateTimeOffset CreatedAt);

public static class AuthEndpoints
{
    private const string UserScope = "user";
    private const string DeviceScope = "device";

    // What an unknown account or device is checked against, so it costs the same hash work as a known one.
    private static readonly Customer DecoyCustomer = new() { Email = "", Name = "" };
    private static readonly Lazy<string> DecoyCustomerHash = new(() => new PasswordHasher<Customer>().HashPassword(DecoyCustomer, Guid.NewGuid().ToString()));
    private static readonly DeviceCredential DecoyDevice = new() { Id = "", FacilityId = "", SecretHash = "" };
    private static readonly Lazy<string> DecoyDeviceHash = new(() => new PasswordHasher<DeviceCredential>().HashPassword(DecoyDevice, Guid.NewGuid().ToString()));

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/auth").WithTags("Auth");
        group.MapPost("/register", RegisterAsync).AllowAnonymous()
            .WithSummary("Create a driver account (anyone).");
        // Answers carrying tokens must not be kept by browsers or proxies.
        var tokens = group.MapGroup("").AddEndpointFilter(NoStore);
        tokens.MapPost("/login", LoginAsync).AllowAnonymous()
            .WithSummary("Exchange e-mail and password for an access and a refresh token (anyone); 10 failures in 15 min per account or address answer 429.");
        tokens.MapPost("/refresh", RefreshAsync).AllowAnonymous()
            .WithSummary("Rotate a refresh token (anyone holding one); the same token again within 30 s gets the same pair, later it revokes the whole family.");
        tokens.MapPost("/logout", LogoutAsync).RequireAuthorization(Policies.Driver)
            .WithSummary("Sign out: revokes this access token's session and its refresh token family (signed-in users).");
        tokens.MapPost("/device-token", DeviceTokenAsync).AllowAnonymous()
            .WithSummary("Exchange a gate/charger device credential for a device access token (devices); throttled like login.");
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
        LoginRequest request, HttpContext http, EasyParkDbContext db, IPasswordHasher<Customer> hasher, AuthSessions sessions, LoginThrottle throttle,
        CancellationToken ct)
    {
        var email = Customer.NormalizeEmail(request.Email!);
        var address = http.Connection.RemoteIpAddress;
        if (await throttle.RetryAfterAsync(UserScope, email, address) is { } wait)
        {
            return LoginThrottleExtensions.TooManyFailedLogins(http, wait);
        }
        var customer = await db.Customers.FirstOrDefaultAsync(c => c.Email == email, ct);
        // An unknown e-mail costs the same hash as a known one, so response times do not tell which accounts exist.
        var verdict = hasher.VerifyHashedPassword(customer ?? DecoyCustomer, customer?.PasswordHash ?? DecoyCustomerHash.Value, request.Password!);
        if (customer?.PasswordHash is null || verdict == PasswordVerificationResult.Failed)
        {
            await throttle.FailedAsync(UserScope, email, address);
            return InvalidCredentials();
        }
        await throttle.SucceededAsync(UserScope, email, address);
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            customer.PasswordHash = hasher.HashPassword(customer, request.Password!);
        }
        return TypedResults.Ok(await sessions.StartAsync(customer, ct));
    }

    internal static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RefreshAsync(RefreshRequest request, AuthSessions sessions, CancellationToken ct) =>
        await sessions.RefreshAsync(request.RefreshToken!, ct) is { } pair ? TypedResults.Ok(pair) : InvalidRefreshToken();

    internal static async Task<Results<NoContent, ProblemHttpResult>> LogoutAsync(
        System.Security.Claims.ClaimsPrincipal user, HttpContext http, EasyParkDbContext db, AuthSessions sessions, TimeProvider time, CancellationToken ct)
    {
        // Logout takes no body: one sent anyway is a client's mistake, answered as such before anything is revoked.
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Logout takes no request body.",
                detail: "POST /api/v1/auth/logout with an empty body; the access token says which session ends.");
        }
        if (user.SessionId() is { } session)
        {
            await sessions.RevokeAsync(session, "signed out", ct);
        }
        else if (user.CustomerId() is { } customer)
        {
            // A token from before sessions existed names no family: every refresh token of the account ends instead.
            var now = time.GetUtcNow();
            await db.RefreshTokens.Where(t => t.CustomerId == customer && t.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), ct);
        }
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<DeviceTokenResponse>, ProblemHttpResult>> DeviceTokenAsync(
        DeviceTokenRequest request, HttpContext http, EasyParkDbContext db, IPasswordHasher<DeviceCredential> hasher, TokenService tokens,
        LoginThrottle throttle, CancellationToken ct)
    {
        var address = http.Connection.RemoteIpAddress;
        if (await throttle.RetryAfterAsync(DeviceScope, request.DeviceId!, address) is { } wait)
        {
            return LoginThrottleExtensions.TooManyFailedLogins(http, wait);
        }
        var device = await db.DeviceCredentials.FirstOrDefaultAsync(d => d.Id == request.DeviceId, ct);
        var verdict = hasher.VerifyHashedPassword(device ?? DecoyDevice, device?.SecretHash ?? DecoyDeviceHash.Value, request.Secret!);
        if (device is null || device.RevokedAt is not null || verdict == PasswordVerificationResult.Failed)
        {
            await throttle.FailedAsync(DeviceScope, request.DeviceId!, address);
            return InvalidCredentials();
        }
        await throttle.SucceededAsync(DeviceScope, request.DeviceId!, address);
        var token = tokens.CreateAccessToken(device.Id, Roles.Device, facilityId: device.FacilityId);
        return TypedResults.Ok(new DeviceTokenResponse(token.Token, token.ExpiresAt));
    }

    internal static async Task<Results<Ok<MeResponse>, NotFound>> MeAsync(System.Security.Claims.ClaimsPrincipal user, EasyParkDbContext db, CancellationToken ct)
    {
        var id = user.CustomerId();
        var customer = id is null ? null : await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        return customer is null ? TypedResults.NotFound() : TypedResults.Ok(ToMe(customer));
    }

    private static async ValueTask<object?> NoStore(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        context.HttpContext.Response.Headers.CacheControl = "no-store";
        context.HttpContext.Response.Headers.Pragma = "no-cache";
        return await next(context);
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
