using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EasyParkPlus.Api.Tests;

/// <summary>A redis-server of the test's own (not the suite's shared one), which a test may kill and start again.</summary>
public sealed class OwnRedisServer : IAsyncDisposable
{
    private Process? _process;

    public int Port { get; } = FreePort();

    public string Configuration => $"127.0.0.1:{Port}";

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            info.ArgumentList.Add(arg);
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Polling.UntilAsync(async () =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, "redis-server to accept connections");
    }

    /// <summary>Kills the server as a crash would (no shutdown, no goodbye to the clients).</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal static class Polling
{
    /// <summary>Polls a condition another process decides; a generous real-time limit guards a hang.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {seconds} s for {what}.");
            }
            await Task.Delay(50);
        }
    }
}

/// <summary>Two api instances on one database and on a Redis of their own, which the test kills mid-way.</summary>
public sealed class RedisOutageFixture : ApiFixture
{
    public OwnRedisServer Redis { get; } = new();

    public SecondApiInstance Second { get; private set; } = null!;

    private Dictionary<string, string?> Shared => new()
    {
        ["Redis:Configuration"] = Redis.Configuration,
        ["Redis:KeyPrefix"] = RedisKeyPrefix,
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
        await Redis.StartAsync();
        await base.InitializeAsync();
        Second = new SecondApiInstance(ConnectionString, Shared);
        await Second.InitializeAsync();
        await Polling.UntilAsync(() => Task.FromResult(IsConnected(this) && IsConnected(Second)), "both api instances to connect to Redis");
    }

    public static bool IsConnected(ApiFixture api) => api.Services.GetRequiredService<RedisConnection>().Database is not null;

    public override async Task DisposeAsync()
    {
        await Second.DisposeAsync();
        await base.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

public sealed class RedisOutageTests(RedisOutageFixture api) : IClassFixture<RedisOutageFixture>
{
    [Fact]
    public async Task RedisKilled_AvailabilityAndRateLimitsGoOnInProcess_ReadySaysDegraded_ThenHealthyWhenRedisIsBack()
    {
        var instances = new ApiFixture[] { api, api.Second };
        foreach (var instance in instances)
        {
            await Polling.UntilAsync(async () => await RedisCheckAsync(instance) == "Healthy", "the readiness check to find Redis reachable");
        }
        // Signed in before the outage: the operator reads availability, the admin's requests are counted.
        var operatorTokens = await api.LoginAsync(ApiFixture.OperatorEmail, ApiFixture.DevelopmentPassword);
        using var reader1 = api.CreateClient(operatorTokens.AccessToken);
        using var reader2 = api.Second.CreateClient(operatorTokens.AccessToken);
        var tokens = await api.LoginAsync(ApiFixture.AdminEmail, ApiFixture.DevelopmentPassword);
        using var first = api.CreateClient(tokens.AccessToken);
        using var second = api.Second.CreateClient(tokens.AccessToken);
        var before = await reader1.GetFromJsonAsync<JsonElement>("api/v1/facilities/PHL/availability");

        await api.Redis.KillAsync();
        await Polling.UntilAsync(() => Task.FromResult(!RedisOutageFixture.IsConnected(api) && !RedisOutageFixture.IsConnected(api.Second)),
            "both api instances to notice Redis is gone");

        // Ready, but degraded and saying why, on both instances.
        foreach (var instance in instances)
        {
            using var client = instance.CreateClient();
            using var ready = await client.GetAsync(new Uri("health/ready", UriKind.Relative));
            ready.StatusCode.Should().Be(HttpStatusCode.OK);
            var report = await ready.Content.ReadFromJsonAsync<JsonElement>();
            report.GetProperty("status").GetString().Should().Be("Degraded");
            report.GetProperty("checks").GetProperty("redis").GetProperty("description").GetString().Should().Contain("unreachable");
        }

        // Availability is still served by both, at once (the cache's Redis level fails fast, it does not time out).
        var watch = Stopwatch.StartNew();
        var fromFirst = await reader1.GetFromJsonAsync<JsonElement>("api/v1/facilities/PHL/availability");
        var fromSecond = await reader2.GetFromJsonAsync<JsonElement>("api/v1/facilities/PHL/availability");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        foreach (var answer in new[] { fromFirst, fromSecond })
        {
            answer.GetProperty("facilityId").GetString().Should().Be("PHL");
            answer.GetProperty("types").GetArrayLength().Should().Be(before.GetProperty("types").GetArrayLength()).And.BePositive();
        }

        // Rate limits go on per instance: the first instance alone refuses the client's seventh request...
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            using var response = await first.GetAsync(new Uri("api/v1/facilities", UriKind.Relative));
            statuses.Add(response.StatusCode);
        }
        statuses.Should().Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 6), HttpStatusCode.TooManyRequests]);
        // ...while the second, which cannot see that count without Redis, still takes it.
        using (var other = await second.GetAsync(new Uri("api/v1/facilities", UriKind.Relative)))
        {
            other.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        // Redis back on the same address: both reconnect by themselves and say so.
        await api.Redis.StartAsync();
        foreach (var instance in instances)
        {
            await Polling.UntilAsync(async () => await RedisCheckAsync(instance) == "Healthy", "the readiness check to find Redis reachable again");
        }
    }

    // Polled where it should say Healthy: the multiplexer reports connected a moment before its first PING goes through.
    private static async Task<string?> RedisCheckAsync(ApiFixture instance)
    {
        using var client = instance.CreateClient();
        var report = await client.GetFromJsonAsync<JsonElement>("health/ready");
        return report.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString();
    }
}
