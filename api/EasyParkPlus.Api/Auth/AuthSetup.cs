using EasyParkPlus.Data.Accounts;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace EasyParkPlus.Api.Auth;

public static class AuthSetup
{
    /// <summary>JWT bearer authentication, the four policies, the token service and the password hasher.</summary>
    public static IHostApplicationBuilder AddEasyParkAuth(this IHostApplicationBuilder builder)
    {
        var environmentKey = Environment.GetEnvironmentVariable("EASYPARK_JWT_SIGNING_KEY");
        var isDevelopment = builder.Environment.IsDevelopment();
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.Section)
            .PostConfigure(o =>
            {
                if (!string.IsNullOrEmpty(environmentKey))
                {
                    o.SigningKey = environmentKey;
                }
                o.SeedDevelopmentAccounts ??= isDevelopment;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<SessionRevocations>();
        builder.Services.AddScoped<AuthSessions>();
        builder.Services.AddSingleton<IPasswordHasher<Customer>, PasswordHasher<Customer>>();
        builder.Services.AddSingleton<IPasswordHasher<DeviceCredential>, PasswordHasher<DeviceCredential>>();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, TimeProvider>((jwt, auth, time) =>
            {
                var o = auth.Value;
                // Keep "sub" and "role" as they are in the token instead of the long WS-* claim names.
                jwt.MapInboundClaims = false;
                // A signed-out session's access tokens stop working before they expire.
                jwt.Events = new JwtBearerEvents
                {
                    OnTokenValidated = async context =>
                    {
                        if (context.Principal?.SessionId() is { } session && await context.HttpContext.RequestServices
                                .GetRequiredService<SessionRevocations>().IsRevokedAsync(session, context.HttpContext.RequestAborted))
                        {
                            context.Fail("The session was signed out.");
                        }
                    },
                };
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = o.Issuer,
                    ValidAudience = o.Audience,
                    IssuerSigningKey = TokenService.SigningKey(o),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ClockSkew = o.ClockSkew,
                    RoleClaimType = Roles.ClaimType,
                    NameClaimType = "sub",
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    // Lifetimes against the same TimeProvider that issues tokens (and that tests can move).
                    LifetimeValidator = (notBefore, expires, _, _) =>
                    {
                        var now = time.GetUtcNow().UtcDateTime;
                        return expires is { } end && now - o.ClockSkew < end && (notBefore is not { } start || start <= now + o.ClockSkew);
                    },
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Driver, p => p.RequireRole(Roles.Driver, Roles.Operator, Roles.Admin))
            .AddPolicy(Policies.Operator, p => p.RequireRole(Roles.Operator, Roles.Admin))
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Device, p => p.RequireRole(Roles.Device));
        return builder;
    }
}
