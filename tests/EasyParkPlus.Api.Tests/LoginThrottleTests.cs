using System.Net;
using System.Net.Http.Json;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.Data.Accounts;
using EasyParkPlus.TestSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EasyParkPlus.Api.Tests;

/// <summary>Counts the password checks the api makes, around the real hasher.</summary>
public sealed class CountingHasher : IPasswordHasher<Customer>
{
    private readonly PasswordHasher<Customer> _inner = new();
    private int _verifications;

    public int Verifications => Volatile.Read(ref _verifications);

    public string HashPassword(Customer user, string password) => _inner.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(Customer user, string hashedPassword, string providedPassword)
    {
        Interlocked.Increment(ref _verifications);
        return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }
}

public sealed class LoginThrottleFixture : ApiFixture
{
    public CountingHasher Hasher { get; } = new();

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<IPasswordHasher<Customer>>();
        services.AddSingleton<IPasswordHasher<Customer>>(Hasher);
    }
}

// Issue 16, point 5, for user logins: 10 failures in 15 minutes per account or per address answer 429 with Retry-After,
// before any password is hashed, and end on their own; an unknown e-mail costs the same hash work as a known one.
// Each test plays its clients from its own loopback address, so the address counters of one do not touch the other.
public sealed class LoginThrottleTests(LoginThrottleFixture api) : IClassFixture<LoginThrottleFixture>
{
    private static object Login(string email, string password) => new { email, password };

    [Fact]
    public async Task Login_TenWrongPasswords_429WithRetryAfterEvenForTheRightOne_UntilTheWindowPasses()
    {
        var (driver, email) = await api.NewDriverAsync("Throttled");
        driver.Dispose();
        using var attacker = LoopbackClients.Client("127.0.0.21", api.BaseAddress);
        for (var i = 0; i < 10; i++)
        {
            using var wrong = await attacker.PostAsJsonAsync("api/v1/auth/login", Login(email, $"not-it-{i}"));
            wrong.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }
        var hashesBefore = api.Hasher.Verifications;

        using var locked = await attacker.PostAsJsonAsync("api/v1/auth/login", Login(email, ApiFixture.DriverPassword));

        locked.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        locked.Headers.RetryAfter!.Delta!.Value.Should().BeGreaterThan(TimeSpan.FromMinutes(14)).And.BeLessThanOrEqualTo(TimeSpan.FromMinutes(15));
        locked.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        api.Hasher.Verifications.Should().Be(hashesBefore, "a locked-out login is refused before any password is hashed");

        api.Clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        using var later = await attacker.PostAsJsonAsync("api/v1/auth/login", Login(email, ApiFixture.DriverPassword));
        later.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Login_UnknownEmail_CostsOnePasswordHashLikeAKnownOne()
    {
        using var client = LoopbackClients.Client("127.0.0.22", api.BaseAddress);
        var before = api.Hasher.Verifications;
        using var unknown = await client.PostAsJsonAsync("api/v1/auth/login", Login($"nobody-{Guid.NewGuid():N}@example.test", "some-password-1"));
        var forUnknown = api.Hasher.Verifications - before;
        before = api.Hasher.Verifications;
        using var known = await client.PostAsJsonAsync("api/v1/auth/login", Login(ApiFixture.OperatorEmail, "some-password-1"));
        var forKnown = api.Hasher.Verifications - before;

        (unknown.StatusCode, known.StatusCode).Should().Be((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized));
        var unknownTitle = (await unknown.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("title").GetString();
        var knownTitle = (await known.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("title").GetString();
        (unknownTitle, knownTitle).Should().Be(("Invalid credentials.", "Invalid credentials."), "an unknown e-mail and a wrong password answer alike");
        (forUnknown, forKnown).Should().Be((1, 1));
    }
}
