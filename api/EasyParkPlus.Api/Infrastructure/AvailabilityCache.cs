using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using EasyParkPlus.Api.Endpoints;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Parking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>Bound from "Availability".</summary>
public sealed class AvailabilityOptions
{
    public const string Section = "Availability";

    /// <summary>How stale live availability may be; shared by all api instances through Redis.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Availability by space type is one GROUP BY over the facility's spaces; under load many clients ask for the same
/// facility, so the answer is cached briefly in Redis (all instances) or, when Redis is down, in process memory.
/// </summary>
public sealed class AvailabilityCache(
    RedisConnection redis, IMemoryCache memory, IServiceScopeFactory scopes, IOptions<AvailabilityOptions> options, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<AvailabilityResponse?> GetAsync(string facilityId, CancellationToken ct)
    {
        var key = "easypark:availability:" + facilityId;
        var ttl = options.Value.CacheFor;
        if (ttl > TimeSpan.Zero)
        {
            if (await ReadRedisAsync(key) is { } cached)
            {
                return cached;
            }
            if (memory.TryGetValue(key, out AvailabilityResponse? local) && local is not null)
            {
                return local;
            }
        }
        var fresh = await ComputeAsync(facilityId, ct);
        if (fresh is not null && ttl > TimeSpan.Zero)
        {
            memory.Set(key, fresh, ttl);
            await WriteRedisAsync(key, fresh, ttl);
        }
        return fresh;
    }

    private async Task<AvailabilityResponse?> ReadRedisAsync(string key)
    {
        try
        {
            var value = redis.Database is { } db ? await db.StringGetAsync(key) : RedisValue.Null;
            return value.HasValue ? JsonSerializer.Deserialize<AvailabilityResponse>((string)value!, Json) : null;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return null;
        }
    }

    private async Task WriteRedisAsync(string key, AvailabilityResponse value, TimeSpan ttl)
    {
        try
        {
            if (redis.Database is { } db)
            {
                await db.StringSetAsync(key, JsonSerializer.Serialize(value, Json), ttl);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The in-process copy still serves this instance.
        }
    }

    private async Task<AvailabilityResponse?> ComputeAsync(string facilityId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EasyParkDbContext>();
        if (!await db.Facilities.AnyAsync(f => f.Id == facilityId, ct))
        {
            return null;
        }
        var now = time.GetUtcNow();
        var counts = await scope.ServiceProvider.GetRequiredService<SpaceAllocator>().GetAvailabilityAsync(facilityId, now, ct);
        return new AvailabilityResponse(facilityId, now, [.. counts.Select(c => new TypeAvailability(
            FacilityEndpoints.Lower(c.SpaceType), c.Total, c.Available, c.Occupied, ReservedNow(c), c.Maintenance))]);
    }

    /// <summary>
    /// Spaces set aside for reservations now: promoted to a concrete space, or capacity held for a slot in effect (from
    /// the allocator's look-ahead before it starts until the car arrives or the hold is released). Available already
    /// leaves them out, as walk-in allocation does.
    /// </summary>
    public static int ReservedNow(SpaceAvailability counts) => counts.Reserved + counts.HeldForReservations;
}
