using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.TestSupport;

namespace EasyParkPlus.Api.Tests;

/// <summary>A second api instance on the first one's database and Redis, as a scaled-out deployment runs them.</summary>
public sealed class SecondApiInstance(string connectionString) : ApiFixture
{
    protected override IDictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Postgres:ConnectionString"] = connectionString;
        return settings;
    }
}

/// <summary>Two api instances sharing one Redis: a cached availability and a client's request count are the same for both.</summary>
public sealed class SharedRedisFixture : ApiFixture
{
    public SecondApiInstance Second { get; private set; } = null!;

    protected override IDictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["RateLimit:PermitsPerWindow"] = "6";
        settings["RateLimit:Window"] = "00:10:00";
        settings["Availability:CacheFor"] = "00:01:00";
        return settings;
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Second = new SecondApiInstance(ConnectionString);
        await Second.InitializeAsync();
    }

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
