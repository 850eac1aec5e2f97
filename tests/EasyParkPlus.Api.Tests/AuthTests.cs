using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Tests.Support;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Api.Tests;

public sealed class AuthTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData(ApiFixture.OperatorEmail, "operator")]
    [InlineData(ApiFixture.AdminEmail, "admin")]
    public async Task Login_DevelopmentAccount_ReturnsTokensWithItsRole(string email, string role)
    {
        var tokens = await api.LoginAsync(email, ApiFixture.DevelopmentPassword);
        using var client = api.CreateClient(tokens.AccessToken);

        var me = await client.GetFromJsonAsync<JsonElement>("api/v1/me");

        Assert.Equal(role, me.GetProperty("role").GetString());
        Assert.Equal(email, me.GetProperty("email").GetString());
        Assert.True(tokens.ExpiresAt > DateTimeOffset.UtcNow);
        Assert.False(string.IsNullOrEmpty(tokens.RefreshToken));
    }

    [Fact]
    public async Task Register_ThenMe_IsADriver()
    {
        var (client, email) = await api.NewDriverAsync();
        using (client)
        {
            var me = await client.GetFromJsonAsync<JsonElement>("api/v1/me");
            Assert.Equal("driver", me.GetProperty("role").GetString());
            Assert.Equal(email, me.GetProperty("email").GetString());
        }
    }

    [Fact]
    public async Task Register_SameEmailTwice_Returns409Problem()
    {
        using var client = api.CreateClient();
        var body = new { email = $"dup-{Guid.NewGuid():N}@example.test", password = "long-enough-password", name = "Dup" };
        (await client.PostAsJsonAsync("api/v1/auth/register", body)).EnsureSuccessStatusCode();

        using var second = await client.PostAsJsonAsync("api/v1/auth/register", body with { email = body.email.ToUpperInvariant() });

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Login_WrongPassword_Returns401Problem()
    {
        using var client = api.CreateClient();

        using var response = await client.PostAsJsonAsync("api/v1/auth/login", new { email = ApiFixture.OperatorEmail, password = "not-the-password" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Refresh_RotatesToken_AndReuseOfTheOldOneAfterTheGraceWindowRevokesTheFamily()
    {
        var first = await api.LoginAsync(ApiFixture.OperatorEmail, ApiFixture.DevelopmentPassword);
        var other = await api.LoginAsync(ApiFixture.OperatorEmail, ApiFixture.DevelopmentPassword);
        using var client = api.CreateClient();

        using var rotated = await client.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = first.RefreshToken });
        var second = await rotated.Content.ReadFromJsonAsync<Tokens>();
        api.Clock.Advance(TimeSpan.FromSeconds(31));
        using var reuse = await client.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = first.RefreshToken });
        using var afterReuse = await client.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = second!.RefreshToken });
        using var secondAccess = api.CreateClient(second.AccessToken);
        using var otherLogin = api.CreateClient(other.AccessToken);

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterReuse.StatusCode);
        // The family's access tokens end with it; another login of the same account is another family.
        (await secondAccess.GetAsync(new Uri("api/v1/me", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await otherLogin.GetAsync(new Uri("api/v1/me", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    // Issue 16, point 7: two tabs (or a retry) refreshing the same token at once must not log the user out.
    [Fact]
    public async Task Refresh_SameTokenInParallelWithinTheGraceWindow_EveryCallGetsTheSameNewPair()
    {
        var first = await api.LoginAsync(ApiFixture.OperatorEmail, ApiFixture.DevelopmentPassword);
        using var client = api.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = first.RefreshToken })));
        var pairs = new List<Tokens>();
        foreach (var response in responses)
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            pairs.Add((await response.Content.ReadFromJsonAsync<Tokens>())!);
            response.Dispose();
        }
        api.Clock.Advance(TimeSpan.FromSeconds(20));
        using var late = await client.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = first.RefreshToken });

        pairs.Select(p => (p.AccessToken, p.RefreshToken)).Distinct().Should().ContainSingle();
        late.StatusCode.Should().Be(HttpStatusCode.OK);
        (await late.Content.ReadFromJsonAsync<Tokens>())!.RefreshToken.Should().Be(pairs[0].RefreshToken);
        using var next = await client.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = pairs[0].RefreshToken });
        next.StatusCode.Should().Be(HttpStatusCode.OK, "the family is intact");
    }

    [Fact]
    public async Task Logout_RevokesTheAccessTokensSessionAndItsRefreshFamily_OtherLoginsKeepWorking()
    {
        var session = await api.LoginAsync(ApiFixture.OperatorEmail, ApiFixture.DevelopmentPassword);
        var other = await api.LoginAsync(ApiFixture.OperatorEmail, ApiFixture.DevelopmentPassword);
        using var signedIn = api.CreateClient(session.AccessToken);
        using var anonymous = api.CreateClient();

        using var logout = await signedIn.PostAsync(new Uri("api/v1/auth/logout", UriKind.Relative), null);
        using var me = await signedIn.GetAsync(new Uri("api/v1/me", UriKind.Relative));
        using var refresh = await anonymous.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = session.RefreshToken });
        using var otherClient = api.CreateClient(other.AccessToken);
        using var otherMe = await otherClient.GetAsync(new Uri("api/v1/me", UriKind.Relative));

        logout.StatusCode.Should().Be(HttpStatusCode.NoContent);
        me.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        refresh.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        otherMe.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task TokenResponses_LoginRefreshAndDeviceToken_CarryCacheControlNoStore()
    {
        using var client = api.CreateClient();
        using var login = await client.PostAsJsonAsync("api/v1/auth/login", new { email = ApiFixture.OperatorEmail, password = ApiFixture.DevelopmentPassword });
        var tokens = (await login.Content.ReadFromJsonAsync<Tokens>())!;
        using var refresh = await client.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken });
        using var device = await client.PostAsJsonAsync("api/v1/auth/device-token", new { deviceId = "no-such-device", secret = "whatever-secret" });

        foreach (var response in new[] { login, refresh, device })
        {
            response.Headers.CacheControl?.NoStore.Should().BeTrue(because: response.RequestMessage!.RequestUri!.ToString());
        }
        (login.StatusCode, refresh.StatusCode, device.StatusCode).Should().Be((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task Me_WithoutToken_Returns401()
    {
        using var client = api.CreateClient();

        using var response = await client.GetAsync(new Uri("api/v1/me", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Me_ExpiredToken_Returns401()
    {
        // A token issued by the api's own key and settings, but three days ago (lifetime 1 day in the tests, skew 30 s).
        var options = api.Services.GetService(typeof(IOptions<AuthOptions>)) as IOptions<AuthOptions>;
        var issuer = new TokenService(options!, new FixedTime(DateTimeOffset.UtcNow.AddDays(-3)));
        var expired = issuer.CreateAccessToken(Guid.NewGuid().ToString(), Roles.Admin);
        using var client = api.CreateClient(expired.Token);

        using var response = await client.GetAsync(new Uri("api/v1/me", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Me_TamperedToken_Returns401()
    {
        var tokens = await api.LoginAsync(ApiFixture.OperatorEmail, ApiFixture.DevelopmentPassword);
        var parts = tokens.AccessToken.Split('.');
        // Swap the payload for one claiming admin; the signature no longer matches.
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(parts[1]))!;
        payload["role"] = JsonSerializer.SerializeToElement("admin");
        var forged = $"{parts[0]}.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload))}.{parts[2]}";
        using var client = api.CreateClient(forged);
        using var control = api.CreateClient(tokens.AccessToken);

        using var response = await client.GetAsync(new Uri("api/v1/me", UriKind.Relative));
        using var controlResponse = await control.GetAsync(new Uri("api/v1/me", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, controlResponse.StatusCode);
    }

    [Fact]
    public async Task Responses_EchoCorrelationId()
    {
        using var client = api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "health/live");
        request.Headers.Add("X-Correlation-Id", "test-corr-42");

        using var response = await client.SendAsync(request);

        Assert.Equal("test-corr-42", response.Headers.GetValues("X-Correlation-Id").Single());
    }
}

/// <summary>A clock stopped at one instant.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
