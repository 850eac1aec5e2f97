using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>Bound from "Redis" (env EASYPARK_REDIS). Empty: no Redis, everything in-process.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>StackExchange.Redis configuration string, e.g. "127.0.0.1:6379".</summary>
    public string Configuration { get; set; } = "";

    /// <summary>
    /// Put before every key this installation keeps in Redis (availability cache, rate limits, failed logins), so
    /// installations sharing one Redis keep apart. Empty: the keys as they are.
    /// </summary>
    public string KeyPrefix { get; set; } = "";
}

/// <summary>
/// The process's one Redis connection, or none. It connects in the background and reconnects by itself;
/// <see cref="Database"/> is null whenever it is not connected, so callers fall back to in-process state.
/// </summary>
public sealed class RedisConnection : IDisposable
{
    private readonly ConnectionMultiplexer? _multiplexer;
    private readonly string _keyPrefix;

    public RedisConnection(IOptions<RedisOptions> options)
    {
        _keyPrefix = options.Value.KeyPrefix;
        if (string.IsNullOrWhiteSpace(options.Value.Configuration))
        {
            return;
        }
        var config = ConfigurationOptions.Parse(options.Value.Configuration);
        // Start even when Redis is down; the multiplexer keeps retrying in the background.
        config.AbortOnConnectFail = false;
        // While disconnected, fail at once (callers fall back) instead of queueing commands until they time out.
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.ConnectTimeout = 2000;
        config.SyncTimeout = 1000;
        _multiplexer = ConnectionMultiplexer.Connect(config);
    }

    public bool IsConfigured => _multiplexer is not null;

    /// <summary>The shared connection (null when Redis is not configured), also used by the HybridCache's Redis level.</summary>
    public IConnectionMultiplexer? Multiplexer => _multiplexer;

    /// <summary>The connected database with every key under <see cref="RedisOptions.KeyPrefix"/>; null while not connected.</summary>
    public IDatabase? Database => _multiplexer is { IsConnected: true } m
        ? _keyPrefix.Length == 0 ? m.GetDatabase() : m.GetDatabase().WithKeyPrefix(_keyPrefix)
        : null;

    public void Dispose() => _multiplexer?.Dispose();
}

/// <summary>Redis down is "Degraded", not "Unhealthy": the api still serves, with per-instance limits and caches.</summary>
public sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConfigured)
        {
            return HealthCheckResult.Degraded("Redis not configured: rate limits and the availability cache are in-process (per api instance).");
        }
        try
        {
            if (redis.Database is { } db)
            {
                await db.PingAsync();
                return HealthCheckResult.Healthy("Redis reachable: rate limits and the availability cache are shared across api instances.");
            }
        }
        catch (RedisException)
        {
            // reported below
        }
        catch (TimeoutException)
        {
            // reported below
        }
        return HealthCheckResult.Degraded("Redis unreachable: rate limits and the availability cache fell back to in-process (per api instance).");
    }
}
