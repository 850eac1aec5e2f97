using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Parking;
using EasyParkPlus.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace EasyParkPlus.Api.Endpoints;

public sealed record FacilityResponse(string Id, string Name, string City, string TimeZone, string Address);

public sealed record SpaceResponse(Guid Id, string Label, int Level, string SpaceType, string Status, DateTimeOffset StatusChangedAt);

public sealed record AvailabilityResponse(string FacilityId, DateTimeOffset AsOf, IReadOnlyList<TypeAvailability> Types);

public sealed record TypeAvailability(string SpaceType, int Total, int Available, int Occupied, int Reserved, int Maintenance);

// Status: the EVSE's last StatusNotification (Available, Occupied, Reserved, Unavailable, Faulted), Offline when no gateway
// holds the station's connection, Unknown before it ever reported. AllocatedW: its share of the facility's power budget now.
public sealed record EvseResponse(int EvseNumber, int MaxPowerW, string? SpaceLabel, bool Charging, string Status, int AllocatedW, IReadOnlyList<int> Connectors);

public sealed record ChargerResponse(string StationId, string? Vendor, string? Model, int MaxPowerW, DateTimeOffset? LastBootAt, bool Online, IReadOnlyList<EvseResponse> Evses);


/// <summary>Facilities, spaces, live availability and chargers: any signed-in user.</summary>
public static class FacilityEndpoints
{
    public static IEndpointRouteBuilder MapFacilityEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/facilities").WithTags("Facilities").RequireAuthorization(Policies.Driver);
        group.MapGet("/", ListAsync).WithSummary("All facilities (any signed-in user).");
        group.MapGet("/{facilityId}/spaces", SpacesAsync).WithSummary("Spaces of a facility, optionally of one type/status (any signed-in user).");
        group.MapGet("/{facilityId}/availability", AvailabilityAsync)
            .WithSummary("Live availability by space type, cached for a second or two in Redis (any signed-in user).");
        group.MapGet("/{facilityId}/chargers", ChargersAsync).WithSummary("Chargers of a facility with their EVSEs: online, connector status, allocated power and whether each is charging (any signed-in user).");
        return api;
    }

    internal static async Task<Ok<FacilityResponse[]>> ListAsync(EasyParkDbContext db, CancellationToken ct)
    {
        var facilities = await db.Facilities.AsNoTracking().OrderBy(f => f.Id).ToListAsync(ct);
        return TypedResults.Ok(facilities.Select(f => new FacilityResponse(f.Id, f.Name, f.City, f.TimeZone, f.Address)).ToArray());
    }

    internal static async Task<Results<Ok<SpaceResponse[]>, NotFound, ValidationProblem>> SpacesAsync(
        string facilityId, string? type, string? status, EasyParkDbContext db, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Enum<SpaceType>("type", type, out var spaceType, required: false);
        errors.Enum<SpaceStatus>("status", status, out var spaceStatus, required: false);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        if (!await db.Facilities.AnyAsync(f => f.Id == facilityId, ct))
        {
            return TypedResults.NotFound();
        }
        var query = from s in db.Spaces.AsNoTracking()
                    join l in db.Levels on s.LevelId equals l.Id
                    where s.FacilityId == facilityId
                    select new { s, l.Number };
        if (type is not null)
        {
            query = query.Where(x => x.s.SpaceType == spaceType);
        }
        if (status is not null)
        {
            query = query.Where(x => x.s.Status == spaceStatus);
        }
        var rows = await query.OrderBy(x => x.s.Label).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(x => new SpaceResponse(x.s.Id, x.s.Label, x.Number, Lower(x.s.SpaceType), Lower(x.s.Status), x.s.StatusChangedAt)).ToArray());
    }

    internal static async Task<Results<Ok<AvailabilityResponse>, NotFound, ValidationProblem>> AvailabilityAsync(
        string facilityId, string? type, AvailabilityCache cache, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Enum<SpaceType>("type", type, out var spaceType, required: false);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var availability = await cache.GetAsync(facilityId, ct);
        if (availability is null)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(type is null ? availability : availability with { Types = [.. availability.Types.Where(t => t.SpaceType == Lower(spaceType))] });
    }

    internal static async Task<Results<Ok<ChargerResponse[]>, NotFound>> ChargersAsync(
        string facilityId, EasyParkDbContext db, IGatewayLiveStateReader gateway, CancellationToken ct)
    {
        if (!await db.Facilities.AnyAsync(f => f.Id == facilityId, ct))
        {
            return TypedResults.NotFound();
        }
        var chargers = await db.Chargers.AsNoTracking().Include(c => c.Evses).ThenInclude(e => e.Connectors)
            .Where(c => c.FacilityId == facilityId).OrderBy(c => c.StationId).ToListAsync(ct);
        var evseIds = chargers.SelectMany(c => c.Evses).Select(e => e.Id).ToList();
        var charging = await db.ChargingSessions.AsNoTracking()
            .Where(s => evseIds.Contains(s.EvseId) && s.EndedReceivedAt == null).Select(s => s.EvseId).ToListAsync(ct);
        var spaceIds = chargers.SelectMany(c => c.Evses).Where(e => e.SpaceId != null).Select(e => e.SpaceId!.Value).ToList();
        var labels = await db.Spaces.AsNoTracking().Where(s => spaceIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.Label, ct);
        // Live state is what the gateway reports: connections it holds, connector statuses, the budget's allocations.
        var live = await gateway.ReadAsync([.. chargers.Select(c => c.StationId)], [], ct);
        return TypedResults.Ok(chargers.Select(c => new ChargerResponse(c.StationId, c.Vendor, c.Model, c.MaxPowerW, c.LastBootAt, live.IsOnline(c.StationId),
            [.. c.Evses.OrderBy(e => e.EvseNumber).Select(e =>
            {
                var status = !live.Known ? "Unknown" : !live.IsOnline(c.StationId) ? "Offline" : live.Status(c.StationId, e.EvseNumber) ?? "Unknown";
                return new EvseResponse(e.EvseNumber, e.MaxPowerW, e.SpaceId is { } sid && labels.TryGetValue(sid, out var label) ? label : null,
                    charging.Contains(e.Id), status, live.AllocatedW(c.StationId, e.EvseNumber), [.. e.Connectors.Select(k => k.ConnectorNumber).Order()]);
            })])).ToArray());
    }

    public static string Lower<TEnum>(TEnum value)
        where TEnum : struct, Enum => value.ToString().ToLowerInvariant();
}
