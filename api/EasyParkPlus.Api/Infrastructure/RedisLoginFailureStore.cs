using EasyParkPlus.ServiceDefaults.Security;
using StackExchange.Redis;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>
/// Login failures in Redis, so every api instance counts the same guesses: a sorted set of failure times per key (app
/// clock, so the window follows TimeProvider), trimmed to the last few and expiring with the window. While Redis is
/// unreachable each instance counts in process instead, as the rate limiter does.
/// </summary>
public sealed partial class RedisLoginFailureStore(RedisConnection redis, InMemoryLoginFailureStore fallback, ILogger<RedisLoginFailureStore> logger)
    : ILoginFailureStore
{
    private const string RecordScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
        local n = redis.call('ZCARD', KEYS[1])
        if n > tonumber(ARGV[3]) then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - tonumber(ARGV[3]) - 1) end
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return n
        """;

    public async Task RecordAsync(string key, DateTimeOffset at, TimeSpan window, int keep)
    {
        if (redis.Database is { } db)
        {
            try
            {
                var ms = at.ToUnixTimeMilliseconds();
                await db.ScriptEvaluateAsync(RecordScript, [key], [ms, (long)window.TotalMilliseconds, keep, $"{ms}:{Guid.NewGuid():N}"]);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogFallback(logger, ex.Message);
            }
        }
        await fallback.RecordAsync(key, at, window, keep);
    }

    public async Task<IReadOnlyList<DateTimeOffset>> FailuresAsync(string key, DateTimeOffset now, TimeSpan window)
    {
        if (redis.Database is { } db)
        {
            try
            {
                var from = (now - window).ToUnixTimeMilliseconds();
                var entries = await db.SortedSetRangeByScoreWithScoresAsync(key, from, double.PositiveInfinity, Exclude.Start);
                return [.. entries.Select(e => DateTimeOffset.FromUnixTimeMilliseconds((long)e.Score))];
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogFallback(logger, ex.Message);
            }
        }
        return await fallback.FailuresAsync(key, now, window);
    }

    public async Task ForgetAsync(string key)
    {
        await fallback.ForgetAsync(key);
        if (redis.Database is { } db)
        {
            try
            {
                await db.KeyDeleteAsync(key);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogFallback(logger, ex.Message);
            }
        }
    }

    public async Task MarkAsync(string key, DateTimeOffset until)
    {
        await fallback.MarkAsync(key, until);
        if (redis.Database is { } db)
        {
            try
            {
                // The expiry itself is Redis's (real time); the value says until when on the app's clock.
                await db.StringSetAsync(key, until.ToUnixTimeMilliseconds(), until - DateTimeOffset.UtcNow > TimeSpan.FromSeconds(1)
                    ? until - DateTimeOffset.UtcNow
                    : TimeSpan.FromSeconds(1));
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogFallback(logger, ex.Message);
            }
        }
    }

    public async Task<bool> IsMarkedAsync(string key, DateTimeOffset now)
    {
        if (redis.Database is { } db)
        {
            try
            {
                var value = await db.StringGetAsync(key);
                if (value.HasValue && value.TryParse(out long untilMs))
                {
                    return DateTimeOffset.FromUnixTimeMilliseconds(untilMs) > now;
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogFallback(logger, ex.Message);
            }
        }
        return await fallback.IsMarkedAsync(key, now);
    }

    [LoggerMessage(EventId = 5021, Level = LogLevel.Warning, Message = "Login throttle fell back to in-process counters: {Reason}")]
    private static partial void LogFallback(ILogger logger, string reason);
}
