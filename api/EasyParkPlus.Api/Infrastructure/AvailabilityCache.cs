using System.ComponentModel.DataAnnotations;
using EasyParkPlus.Api.Endpoints;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Parking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

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
/// facility, so the answer is kept briefly in a <see cref="HybridCache"/>: in process memory, and in Redis as the second
/// level that every api instance shares. HybridCache also lets one caller compute a missing entry while the others wait,
/// and it serves from memory alone (logging the failure) while Redis is down.
/// </summary>
public sealed class AvailabilityCache(HybridCache cache, IServiceScopeFactory scopes, IOptions<AvailabilityOptions> options, TimeProvider time)
{
    public async Task<AvailabilityResponse?> GetAsync(string facilityId, CancellationToken ct)
    {
        var ttl = options.Value.CacheFor;
        if (ttl <= TimeSpan.Zero)
        {
            return await ComputeAsync(facilityId, ct);
        }
        var entry = new HybridCacheEntryOptions { Expiration = ttl, LocalCacheExpiration = ttl };
        return await cache.GetOrCreateAsync(
            "easypark:availability:" + facilityId,
            (Cache: this, FacilityId: facilityId),
            static async (state, token) => await state.Cache.ComputeAsync(state.FacilityId, token),
            entry,
            cancellationToken: ct);
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
