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

internal sealed record EvseLiveRow(string StationId, int EvseId, string? Status, int AllocatedW);

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

    internal static async Task<Results<Ok<ChargerResponse[]>, NotFound>> ChargersAsync(string facilityId, EasyParkDbContext db, CancellationToken ct)
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
        // Live state is what the gateway recorded: connections it holds, connector statuses, the budget's allocations.
        var stationIds = chargers.Select(c => c.StationId).ToArray();
        var online = (await db.Database.SqlQuery<string>($"SELECT station_id AS \"Value\" FROM gateway.station_owners WHERE station_id = ANY({stationIds})")
            .ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var live = (await db.Database.SqlQuery<EvseLiveRow>($"""
            SELECT e.station_id AS "StationId", e.evse_id AS "EvseId",
                   (SELECT cs.status FROM gateway.connector_status cs WHERE cs.station_id = e.station_id AND cs.evse_id = e.evse_id
                    ORDER BY CASE cs.status WHEN 'Faulted' THEN 0 WHEN 'Unavailable' THEN 1 WHEN 'Occupied' THEN 2 WHEN 'Reserved' THEN 3 ELSE 4 END
                    LIMIT 1) AS "Status",
                   COALESCE((SELECT sum(pa.allocated_w) FROM gateway.power_allocations pa WHERE pa.station_id = e.station_id AND pa.evse_id = e.evse_id), 0)::int AS "AllocatedW"
            FROM (SELECT DISTINCT station_id, evse_id FROM gateway.connector_status WHERE station_id = ANY({stationIds})
                  UNION SELECT DISTINCT station_id, evse_id FROM gateway.power_allocations WHERE station_id = ANY({stationIds})) e
            """).ToListAsync(ct)).ToDictionary(r => (r.StationId, r.EvseId));
        return TypedResults.Ok(chargers.Select(c => new ChargerResponse(c.StationId, c.Vendor, c.Model, c.MaxPowerW, c.LastBootAt, online.Contains(c.StationId),
            [.. c.Evses.OrderBy(e => e.EvseNumber).Select(e =>
            {
                var state = live.GetValueOrDefault((c.StationId, e.EvseNumber));
                var status = !online.Contains(c.StationId) ? "Offline" : state?.Status ?? "Unknown";
                return new EvseResponse(e.EvseNumber, e.MaxPowerW, e.SpaceId is { } sid && labels.TryGetValue(sid, out var label) ? label : null,
                    charging.Contains(e.Id), status, state?.AllocatedW ?? 0, [.. e.Connectors.Select(k => k.ConnectorNumber).Order()]);
            })])).ToArray());
    }

    public static string Lower<TEnum>(TEnum value)
        where TEnum : struct, Enum => value.ToString().ToLowerInvariant();
}
