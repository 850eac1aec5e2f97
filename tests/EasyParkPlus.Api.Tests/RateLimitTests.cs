using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using StackExchange.Redis;

namespace EasyParkPlus.Api.Tests;

public sealed class TightRateLimitFixture : ApiFixture
{
    protected override IDictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["RateLimit:PermitsPerWindow"] = "5";
        settings["RateLimit:Window"] = "00:10:00";
        return settings;
    }
}

/// <summary>Redis configured but unreachable: the api stays ready, says so, and limits per instance.</summary>
public sealed class DeadRedisFixture : ApiFixture
{
    protected override IDictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Redis:Configuration"] = "127.0.0.1:1";
        settings["Availability:CacheFor"] = "00:01:00";
        settings["RateLimit:PermitsPerWindow"] = "5";
        settings["RateLimit:Window"] = "00:10:00";
        return settings;
    }
}

public sealed class RateLimitTests(TightRateLimitFixture api) : IClassFixture<TightRateLimitFixture>
{
    [Fact]
    public async Task SixthRequestInWindow_Returns429Problem_CountedInRedis()
    {
        var tokens = await api.LoginAsync(ApiFixture.OperatorEmail, ApiFixture.DevelopmentPassword);
        using var client = api.CreateClient(tokens.AccessToken);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 6; i++)
        {
            last?.Dispose();
            last = await client.GetAsync(new Uri("api/v1/facilities", UriKind.Relative));
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 5), HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal("application/problem+json", last!.Content.Headers.ContentType?.MediaType);
        Assert.True(last.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        last.Dispose();

        var redis = Environment.GetEnvironmentVariable("EASYPARK_TEST_REDIS");
        Assert.False(string.IsNullOrEmpty(redis), "EASYPARK_TEST_REDIS must be set (./easypark test starts Redis)");
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var sub = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(tokens.AccessToken.Split('.')[1])).RootElement.GetProperty("sub").GetString();
        var keys = connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: $"{api.RedisKeyPrefix}easypark:rl:sub:{sub}:*").ToList();
        var key = Assert.Single(keys);
        Assert.Equal(6, (long)await connection.GetDatabase().StringGetAsync(key));
    }

    [Fact]
    public async Task HealthEndpoints_AreNotRateLimited()
    {
        using var client = api.CreateClient();
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.GetAsync(new Uri("health/live", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }
}

public sealed class RedisDownTests(DeadRedisFixture api) : IClassFixture<DeadRedisFixture>
{
    [Fact]
    public async Task Ready_SaysRedisFellBack_AndLimitsStillApplyInProcess()
    {
        using var anonymous = api.CreateClient();
        var ready = await anonymous.GetFromJsonAsync<JsonElement>("health/ready");
        var redis = ready.GetProperty("checks").GetProperty("redis");
        Assert.Equal("Degraded", redis.GetProperty("status").GetString());
        Assert.Contains("in-process", redis.GetProperty("description").GetString(), StringComparison.Ordinal);

        using var client = await api.OperatorClientAsync();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.GetAsync(new Uri("api/v1/facilities", UriKind.Relative));
            statuses.Add(response.StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.All(statuses.Take(5), s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task Availability_RedisDown_IsStillServedFromTheDatabaseAndMemory()
    {
        var tokens = await api.LoginAsync(ApiFixture.AdminEmail, ApiFixture.DevelopmentPassword);
        using var client = api.CreateClient(tokens.AccessToken);

        using var first = await client.GetAsync(new Uri("api/v1/facilities/BOS/availability", UriKind.Relative));
        using var again = await client.GetAsync(new Uri("api/v1/facilities/BOS/availability", UriKind.Relative));

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        again.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await first.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("facilityId").GetString().Should().Be("BOS");
        (await again.Content.ReadAsStringAsync()).Should().Be(await first.Content.ReadAsStringAsync(), "the second answer comes from the in-process level");
    }
}
