using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>Bound from "RateLimit".</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimit";

    public bool Enabled { get; set; } = true;

    /// <summary>Requests one client (token subject, else IP address) may make per window, across all api instances.</summary>
    [Range(1, 10_000_000)]
    public int PermitsPerWindow { get; set; } = 3000;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Fixed-window limit per client. The counter lives in Redis (INCR + PEXPIRE in one script) so every api
/// instance shares it; while Redis is unreachable each instance counts in-process instead.
/// Health endpoints are exempt so orchestrators can always probe.
/// </summary>
public sealed partial class RateLimitMiddleware(
    RequestDelegate next,
    RedisConnection redis,
    IOptions<RateLimitOptions> options,
    TimeProvider time,
    IProblemDetailsService problems,
    ILogger<RateLimitMiddleware> logger)
{
    private const string Script = "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n";
    private readonly ConcurrentDictionary<string, long> _local = new();
    private long _localWindow = -1;

    public async Task InvokeAsync(HttpContext context)
    {
        var o = options.Value;
        if (!o.Enabled || context.Request.Path.StartsWithSegments("/health"))
        {
            await next(context);
            return;
        }
        var client = ClientKey(context);
        var window = time.GetUtcNow().ToUnixTimeMilliseconds() / (long)o.Window.TotalMilliseconds;
        var count = await CountAsync($"easypark:rl:{client}:{window}", window, o.Window);
        var remaining = Math.Max(0, o.PermitsPerWindow - count);
        context.Response.Headers["RateLimit-Limit"] = o.PermitsPerWindow.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["RateLimit-Remaining"] = remaining.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (count > o.PermitsPerWindow)
        {
            var retryAfter = (int)Math.Ceiling(((window + 1) * o.Window.TotalMilliseconds - time.GetUtcNow().ToUnixTimeMilliseconds()) / 1000.0);
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = Math.Max(1, retryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = 429, Title = "Too many requests.", Detail = $"At most {o.PermitsPerWindow} requests per {o.Window.TotalSeconds:0} s per client." },
            });
            return;
        }
        await next(context);
    }

    private async Task<long> CountAsync(string key, long window, TimeSpan length)
    {
        if (redis.Database is { } db)
        {
            try
            {
                return (long)await db.ScriptEvaluateAsync(Script, [key], [(long)length.TotalMilliseconds]);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogRedisFallback(logger, ex.Message);
            }
        }
        // In-process fallback: one window at a time; a new window drops the old counters.
        if (Interlocked.Exchange(ref _localWindow, window) != window)
        {
            _local.Clear();
        }
        return _local.AddOrUpdate(key, 1, (_, n) => n + 1);
    }

    private static string ClientKey(HttpContext context) =>
        context.User.FindFirst("sub")?.Value is { } sub
            ? "sub:" + sub
            : "ip:" + (context.Connection.RemoteIpAddress ?? IPAddress.None);

    [LoggerMessage(EventId = 5020, Level = LogLevel.Warning, Message = "Rate limit counter fell back to in-process: {Reason}")]
    private static partial void LogRedisFallback(ILogger logger, string reason);
}
