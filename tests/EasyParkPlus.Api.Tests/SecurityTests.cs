using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.LocalStripe;

namespace EasyParkPlus.Api.Tests;

public sealed class SecurityTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task EveryProtectedEndpoint_WithoutToken_Returns401Problem()
    {
        var endpoints = ApiEndpoints.All(api.Services).Where(e => e.RequiresAuth).ToList();
        Assert.True(endpoints.Count > 20, $"only {endpoints.Count} protected endpoints found");
        using var client = api.CreateClient();
        var failures = new List<string>();
        foreach (var endpoint in endpoints)
        {
            using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Url()) { Content = endpoint.Method == "GET" ? null : JsonContent.Create(new { }) };
            using var response = await client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{endpoint}: {(int)response.StatusCode}");
            }
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task EveryOperatorEndpoint_AsDriver_Returns403()
    {
        var endpoints = ApiEndpoints.All(api.Services).Where(e => e.Policies.Contains("Operator") || e.Policies.Contains("Admin")).ToList();
        Assert.NotEmpty(endpoints);
        var (driver, _) = await api.NewDriverAsync();
        using (driver)
        {
            var failures = new List<string>();
            foreach (var endpoint in endpoints)
            {
                using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Url()) { Content = endpoint.Method == "GET" ? null : JsonContent.Create(new { }) };
                using var response = await driver.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.Forbidden)
                {
                    failures.Add($"{endpoint}: {(int)response.StatusCode}");
                }
            }
            Assert.Empty(failures);
        }
    }

    [Fact]
    public async Task Driver_CannotReadOrChangeAnotherDriversVehicles_404()
    {
        var (alice, _) = await api.NewDriverAsync("Alice");
        var (bob, _) = await api.NewDriverAsync("Bob");
        using (alice)
        using (bob)
        {
            var aliceId = (await alice.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();
            using var add = await alice.PostAsJsonAsync($"api/v1/users/{aliceId}/vehicles", new { plate = "ali 123", fuel = "ev" });
            Assert.Equal(HttpStatusCode.Created, add.StatusCode);

            using var read = await bob.GetAsync(new Uri($"api/v1/users/{aliceId}/vehicles", UriKind.Relative));
            using var write = await bob.PostAsJsonAsync($"api/v1/users/{aliceId}/vehicles", new { plate = "BOB1", fuel = "ice" });
            using var subscriptions = await bob.GetAsync(new Uri($"api/v1/users/{aliceId}/subscriptions", UriKind.Relative));

            Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
            Assert.DoesNotContain("ALI123", await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, write.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, subscriptions.StatusCode);
            var own = await alice.GetFromJsonAsync<JsonElement>($"api/v1/users/{aliceId}/vehicles");
            Assert.Equal("ALI123", Assert.Single(own.EnumerateArray()).GetProperty("plate").GetString());
        }
    }

    [Fact]
    public async Task Webhook_BadSignature_Returns400_AndGoodOneIsIdempotentByEventId()
    {
        using var client = api.CreateClient();
        var payload = StripeWebhookSigner.CreateEventJson($"evt_{Guid.NewGuid():N}", "payment_intent.succeeded", DateTimeOffset.UtcNow,
            new System.Text.Json.Nodes.JsonObject { ["id"] = "pi_unknown", ["object"] = "payment_intent" });

        async Task<HttpResponseMessage> SendAsync(string signature)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/payments/stripe/webhook") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
            request.Headers.Add("Stripe-Signature", signature);
            return await client.SendAsync(request);
        }

        using var forged = await SendAsync(StripeWebhookSigner.SignatureHeader(payload, DateTimeOffset.UtcNow, "whsec_not_the_secret"));
        using var stale = await SendAsync(StripeWebhookSigner.SignatureHeader(payload, DateTimeOffset.UtcNow.AddHours(-1), ApiFixture.WebhookSecret));
        using var first = await SendAsync(StripeWebhookSigner.SignatureHeader(payload, DateTimeOffset.UtcNow, ApiFixture.WebhookSecret));
        using var again = await SendAsync(StripeWebhookSigner.SignatureHeader(payload, DateTimeOffset.UtcNow, ApiFixture.WebhookSecret));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("application/problem+json", forged.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, stale.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());
        Assert.True((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());
    }

    [Fact]
    public async Task IdempotencyKey_RepeatReplaysFirstResponse_OtherBody422()
    {
        var (driver, _) = await api.NewDriverAsync();
        using (driver)
        {
            var me = (await driver.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();
            var key = Guid.NewGuid().ToString();

            async Task<HttpResponseMessage> PostAsync(object body)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/users/{me}/vehicles") { Content = JsonContent.Create(body) };
                request.Headers.Add("Idempotency-Key", key);
                return await driver.SendAsync(request);
            }

            using var first = await PostAsync(new { plate = "IDM 001", fuel = "ev" });
            using var replay = await PostAsync(new { plate = "IDM 001", fuel = "ev" });
            using var other = await PostAsync(new { plate = "IDM 002", fuel = "ev" });

            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
            Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
            Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
            Assert.Equal(await first.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
            Assert.Equal(first.Headers.Location, replay.Headers.Location);
            Assert.Equal((HttpStatusCode)422, other.StatusCode);
            Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
            var vehicles = await driver.GetFromJsonAsync<JsonElement>($"api/v1/users/{me}/vehicles");
            Assert.Single(vehicles.EnumerateArray());
        }
    }

    [Fact]
    public async Task DeviceToken_CannotCallDriverEndpoints_AndBadSecretIs401()
    {
        using var client = api.CreateClient();

        using var bad = await client.PostAsJsonAsync("api/v1/auth/device-token", new { deviceId = "BOS-GATE-01", secret = "guess" });

        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        var options = (Microsoft.Extensions.Options.IOptions<Auth.AuthOptions>)api.Services.GetService(typeof(Microsoft.Extensions.Options.IOptions<Auth.AuthOptions>))!;
        var device = new Auth.TokenService(options, TimeProvider.System).CreateAccessToken("BOS-GATE-01", "device", facilityId: "BOS");
        using var asDevice = api.CreateClient(device.Token);
        using var facilities = await asDevice.GetAsync(new Uri("api/v1/facilities", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, facilities.StatusCode);
    }
}
