using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EasyParkPlus.Api.Tests;

/// <summary>A second api instance on the first one's database, Redis and settings, as a scaled-out deployment runs them.</summary>
public sealed class SecondApiInstance(string connectionString, IReadOnlyDictionary<string, string?> shared) : ApiFixture
{
    protected override IDictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        foreach (var (key, value) in shared)
        {
            settings[key] = value;
        }
        settings["Postgres:ConnectionString"] = connectionString;
        return settings;
    }
}

/// <summary>Two api instances sharing one Redis: a cached availability and a client's request count are the same for both.</summary>
public sealed class SharedRedisFixture : ApiFixture
{
    public SecondApiInstance Second { get; private set; } = null!;

    // Both instances run with these: the same keys in Redis, the same limit over the same window, so they count under the same key.
    private static readonly Dictionary<string, string?> Shared = new()
    {
        ["Redis:KeyPrefix"] = $"easypark-test-shared-{Guid.NewGuid():N}:",
        ["RateLimit:PermitsPerWindow"] = "6",
        ["RateLimit:Window"] = "00:10:00",
        ["Availability:CacheFor"] = "00:01:00",
    };

    protected override IDictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        foreach (var (key, value) in Shared)
        {
            settings[key] = value;
        }
        return settings;
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Second = new SecondApiInstance(ConnectionString, Shared);
        await Second.InitializeAsync();
        // Each instance connects to Redis in the background and counts in-process until it has; the tests are about
        // the shared state, so wait (on a loaded machine the first connect can outlast its 2 s timeout).
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (!IsConnected(this) || !IsConnected(Second))
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException("The api instances did not connect to Redis within 60 s.");
            }
            await Task.Delay(50);
        }
    }

    private static bool IsConnected(ApiFixture api) => api.Services.GetRequiredService<RedisConnection>().Database is not null;

    public override async Task DisposeAsync()
    {
        await Second.DisposeAsync();
        await base.DisposeAsync();
    }
}

public sealed class RedisSharingTests(SharedRedisFixture api) : IClassFixture<SharedRedisFixture>
{
    [Fact]
    public async Task Availability_CachedByOneInstance_IsServedByTheOtherFromRedis()
    {
        using var first = await api.OperatorClientAsync();
        using var second = await api.Second.OperatorClientAsync();
        var before = await first.GetFromJsonAsync<JsonElement>("api/v1/facilities/PHL/availability");

        // A space goes out of service behind the caches' back; the second instance has nothing in its memory yet.
        await TestSql.ExecuteAsync(api.ConnectionString,
            "UPDATE parking.spaces SET status = 'maintenance' WHERE id = (SELECT id FROM parking.spaces WHERE facility_id = 'PHL' AND status = 'available' LIMIT 1)");
        var fromSecond = await second.GetFromJsonAsync<JsonElement>("api/v1/facilities/PHL/availability");

        fromSecond.GetRawText().Should().Be(before.GetRawText(), "the second instance answers with the entry the first one put in Redis");
    }

    [Fact]
    public async Task RateLimit_CountsOneClientAcrossBothInstances()
    {
        var tokens = await api.LoginAsync(ApiFixture.AdminEmail, ApiFixture.DevelopmentPassword);
        using var first = api.CreateClient(tokens.AccessToken);
        using var second = api.Second.CreateClient(tokens.AccessToken);
        var statuses = new List<HttpStatusCode>();

        for (var i = 0; i < 7; i++)
        {
            using var response = await (i % 2 == 0 ? first : second).GetAsync(new Uri("api/v1/facilities", UriKind.Relative));
            statuses.Add(response.StatusCode);
        }

        statuses.Should().Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 6), HttpStatusCode.TooManyRequests],
            "each instance alone saw at most four requests; only a shared count reaches seven");
    }
}
