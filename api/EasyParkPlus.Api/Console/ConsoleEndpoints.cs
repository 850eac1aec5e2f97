using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Charging;
using EasyParkPlus.Data.GatewayApi;
using EasyParkPlus.Data.Parking;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.Workflows;
using Temporalio.Client;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.Api.Console;

public sealed record SpaceTypeOccupancy(string SpaceType, int Total, int Occupied, int Reserved, int Maintenance, int Available);

// State: Charging (a session is active), Offline (no gateway holds its connection), else its connectors' most telling
// status (Faulted, Unavailable, Occupied, Reserved, Available). AllocatedW is its share of the facility budget; PowerW what it draws.
public sealed record ChargerState(string StationId, int MaxPowerW, string State, int AllocatedW, int PowerW, long EnergyWh, string? SessionWorkflowId);

public sealed record WorkflowTypeCount(string WorkflowType, int Running);

public sealed record FacilityDashboard(
    string Id, string Name, string City, IReadOnlyList<SpaceTypeOccupancy> Occupancy, IReadOnlyList<ChargerState> Chargers, long PowerAllocatedW, long PowerInUseW,
    int ParkingSessionsActive, int ChargingSessionsActive, IReadOnlyList<WorkflowTypeCount> RunningWorkflows, long RevenueTodayCents);

/// <summary>What the console's pages need to know besides data: where the Temporal Web UI is (null: no links).</summary>
public sealed record ConsoleSettings(string? TemporalUiUrl, string TemporalNamespace);

// A stay as an operator looks for it: plate, space, how long, how much. AmountCents: the price so far (less a reservation's
// prepayment, nothing on a pass) while parked; what is due once the car has left and waits to pay.
public sealed record SessionInProgress(
    string WorkflowId, string FacilityId, string Plate, string SpaceType, string? Space, string State, DateTimeOffset EnteredAt, int Minutes, long AmountCents);

public sealed record DashboardResponse(
    DateTimeOffset GeneratedAt, DateTimeOffset RevenueSince, long PowerBudgetW, int RefreshSeconds, IReadOnlyList<FacilityDashboard> Facilities,
    int RunningWorkflowsWithoutFacility, bool RunningWorkflowsTruncated);

/// <summary>
/// The operator console: its static pages under /console and the dashboard figures under /api/v1/console (Operator).
/// A workflow's own page is the Temporal Web UI's (Console:TemporalUiUrl): the console links the sessions and charges it shows there.
/// </summary>
public static class ConsoleEndpoints
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static IServiceCollection AddOperatorConsole(this IServiceCollection services)
    {
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    public static WebApplication MapOperatorConsole(this WebApplication app)
    {
        var group = app.MapGroup("/api/v1/console").WithTags("Operator console").RequireAuthorization(Policies.Operator);
        group.MapGet("/dashboard", DashboardAsync)
            .WithSummary("Per facility: occupancy by space type, chargers with state and power against the budget, sessions in progress, today's revenue (Operator).");
        group.MapGet("/settings", (IOptions<ConsoleOptions> options) =>
                TypedResults.Ok(new ConsoleSettings(options.Value.TemporalUiUrl?.TrimEnd('/'), options.Value.TemporalNamespace)))
            .WithSummary("Where the console links workflows to: the Temporal Web UI's base URL and namespace (Operator).");
        group.MapGet("/sessions", SessionsAsync)
            .WithSummary("Parking sessions in progress, oldest first: plate, space, time parked and the amount so far or due (Operator).");

        // The pages themselves are public (they hold no data); every figure they show comes from an Operator endpoint.
        app.MapGet("/console/{**path}", (string? path, IWebHostEnvironment env, HttpContext http) => ServeFile(path, env, http)).ExcludeFromDescription();
        return app;
    }

    internal static IResult ServeFile(string? path, IWebHostEnvironment env, HttpContext http)
    {
        if (string.IsNullOrEmpty(path) && http.Request.Path.Value?.EndsWith('/') != true)
        {
            return TypedResults.Redirect("/console/");
        }
        var relative = string.IsNullOrEmpty(path) ? "index.html" : path;
        // Only plain names below wwwroot/console: no traversal, no hidden files.
        if (relative.Split('/').Any(segment => segment.Length == 0 || segment.StartsWith('.')))
        {
            return TypedResults.NotFound();
        }
        var file = env.WebRootFileProvider.GetFileInfo("console/" + relative);
        if (!file.Exists || file.IsDirectory || !ContentTypes.TryGetContentType(file.Name, out var contentType))
        {
            return TypedResults.NotFound();
        }
        var headers = http.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // Scripts and styles only from this origin, so data rendered into the page can never run.
        headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
        return TypedResults.Stream(file.CreateReadStream(), contentType);
    }

    internal static async Task<Ok<DashboardResponse>> DashboardAsync(
        EasyParkDbContext db, NpgsqlDataSource dataSource, IGatewayLiveStateReader gateway, SpaceAllocator allocator, ITemporalClient workflows, IOptions<ConsoleOptions> options,
        TimeProvider time, CancellationToken ct)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var facilities = await db.Facilities.AsNoTracking().OrderBy(f => f.Id).Select(f => new { f.Id, f.Name, f.City, f.TimeZone }).ToListAsync(ct);
        // "Today" is the facility's local day, as its operator counts revenue.
        var todayAt = facilities.ToDictionary(f => f.Id, f => FacilityTime.StartOfDay(now, FacilityTime.Zone(f.TimeZone)), StringComparer.Ordinal);
        var today = todayAt.Count == 0 ? FacilityTime.StartOfDay(now, TimeZoneInfo.Utc) : todayAt.Values.Min();
        // The allocator's counts, so a reservation's hold shows as Reserved (and not Free) while its slot runs.
        var spaces = new Dictionary<string, IReadOnlyList<SpaceAvailability>>(StringComparer.Ordinal);
        foreach (var facility in facilities)
        {
            spaces[facility.Id] = await allocator.GetAvailabilityAsync(facility.Id, now, ct);
        }
        var chargers = await db.Chargers.AsNoTracking().OrderBy(c => c.StationId)
            .Select(c => new { c.Id, c.StationId, c.FacilityId, c.MaxPowerW }).ToListAsync(ct);
        var (charging, live) = await ActiveChargingAsync(db, gateway, [.. chargers.Select(c => c.StationId)], ct);
        var parkingActive = await db.ParkingSessions.AsNoTracking().Where(s => s.Status == ParkingSessionStatus.Active)
            .GroupBy(s => s.FacilityId).Select(g => new { FacilityId = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.FacilityId, g => g.Count, ct);
        // Net of refunds, as in the revenue report: a refund made today counts against today.
        var revenue = await MoneyLedger.ReadAsync(dataSource, today, now.AddDays(1), null, ct);
        long RevenueToday(string facilityId) =>
            revenue.Where(r => r.FacilityId == facilityId && r.At >= todayAt[facilityId]).Sum(r => r.AmountCents);
        var (running, truncated) = await RunningWorkflowsAsync(workflows, settings.MaxRunningWorkflowsCounted, ct);

        var chargingByCharger = charging.ToLookup(s => s.ChargerId);
        var rows = facilities.Select(f =>
        {
            var facilityChargers = chargers.Where(c => c.FacilityId == f.Id).Select(c =>
            {
                var session = chargingByCharger[c.Id].FirstOrDefault();
                var state = session is not null ? "Charging" : !live.Known ? "Unknown" : !live.IsOnline(c.StationId) ? "Offline" : live.Status(c.StationId) ?? "Available";
                return new ChargerState(c.StationId, c.MaxPowerW, state, live.AllocatedW(c.StationId),
                    Math.Min(session?.PowerW ?? 0, c.MaxPowerW), session?.EnergyWh ?? 0, session?.WorkflowId);
            }).ToList();
            return new FacilityDashboard(
                f.Id, f.Name, f.City, Occupancy(spaces[f.Id]), facilityChargers,
                facilityChargers.Sum(c => (long)c.AllocatedW), facilityChargers.Sum(c => (long)c.PowerW),
                parkingActive.GetValueOrDefault(f.Id), facilityChargers.Count(c => c.SessionWorkflowId is not null),
                [.. running.Where(r => r.Facility == f.Id).GroupBy(r => r.Type).Select(g => new WorkflowTypeCount(g.Key, g.Count())).OrderBy(c => c.WorkflowType, StringComparer.Ordinal)],
                RevenueToday(f.Id));
        }).ToList();
        var known = facilities.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        return TypedResults.Ok(new DashboardResponse(now, today, settings.FacilityPowerBudgetW, settings.RefreshSeconds, rows,
            running.Count(r => r.Facility is null || !known.Contains(r.Facility)), truncated));
    }

    /// <summary>Per space type (types without spaces left out), in name order; Reserved includes holds in effect.</summary>
    internal static IReadOnlyList<SpaceTypeOccupancy> Occupancy(IEnumerable<SpaceAvailability> counts) =>
        [.. counts.Where(c => c.Total > 0).OrderBy(c => c.SpaceType.ToString(), StringComparer.Ordinal).Select(c =>
            new SpaceTypeOccupancy(c.SpaceType.ToString(), c.Total, c.Occupied, AvailabilityCache.ReservedNow(c), c.Maintenance, c.Available))];

    private sealed record ActiveCharge(Guid ChargerId, string WorkflowId, long EnergyWh, int? PowerW);

    // Each active session's energy so far and the power it draws now, from its transaction's meters as the gateway reports
    // them (last register minus the session's start; power from the last two readings, null with fewer).
    private static async Task<(List<ActiveCharge> Charges, GatewayLiveState Live)> ActiveChargingAsync(
        EasyParkDbContext db, IGatewayLiveStateReader gateway, IReadOnlyCollection<string> stationIds, CancellationToken ct)
    {
        var sessions = await (from s in db.ChargingSessions.AsNoTracking()
                              where s.Status == ChargingSessionStatus.Active
                              join c in db.Chargers.AsNoTracking() on s.ChargerId equals c.Id
                              select new { s.ChargerId, s.WorkflowId, c.StationId, s.TransactionId, s.MeterStartWh, s.EnergyWh }).ToListAsync(ct);
        var live = await gateway.ReadAsync(stationIds, [.. sessions.Select(s => new TransactionRef(s.StationId, s.TransactionId))], ct);
        var charges = sessions.Select(s =>
        {
            var meter = live.Meter(s.StationId, s.TransactionId);
            var energy = meter?.EnergyWh is { } last && s.MeterStartWh is { } first ? last - first : s.EnergyWh;
            return new ActiveCharge(s.ChargerId, s.WorkflowId, Math.Max(energy, 0), meter?.PowerW);
        }).ToList();
        return (charges, live);
    }

    internal static async Task<Results<Ok<SessionInProgress[]>, ValidationProblem>> SessionsAsync(
        string? facilityId, EasyParkDbContext db, TimeProvider time, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Text("facilityId", facilityId, 16, required: false);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var facility = facilityId?.Trim().ToUpperInvariant();
        var rows = await (from s in db.ParkingSessions.AsNoTracking()
                          where (s.Status == ParkingSessionStatus.Active || s.Status == ParkingSessionStatus.Exited) && (facility == null || s.FacilityId == facility)
                          join space in db.Spaces.AsNoTracking() on s.SpaceId equals space.Id into spaces
                          from space in spaces.DefaultIfEmpty()
                          orderby s.EntryDeviceAt
                          select new
                          {
                              s.WorkflowId,
                              s.FacilityId,
                              s.Plate,
                              s.SpaceType,
                              Space = space == null ? null : space.Label,
                              s.Status,
                              s.EntryDeviceAt,
                              s.ExitDeviceAt,
                              s.SubscriptionId,
                              s.PrepaidCredit,
                              s.AmountDue,
                          }).Take(200).ToListAsync(ct);
        var now = time.GetUtcNow();
        return TypedResults.Ok(rows.Select(s =>
        {
            var until = s.ExitDeviceAt ?? now;
            var soFar = s.SubscriptionId is not null ? Money.Zero
                : Money.Max(ParkingPricing.Price(s.SpaceType, s.EntryDeviceAt, until > s.EntryDeviceAt ? until : s.EntryDeviceAt, ParkingTariff.Default).Total - s.PrepaidCredit, Money.Zero);
            var exited = s.Status == ParkingSessionStatus.Exited;
            return new SessionInProgress(s.WorkflowId, s.FacilityId, s.Plate, s.SpaceType.ToString(), s.Space, exited ? "Awaiting payment" : "Parked",
                s.EntryDeviceAt, (int)Math.Max(0, (until - s.EntryDeviceAt).TotalMinutes), exited ? s.AmountDue.Cents : soFar.Cents);
        }).ToArray());
    }

    private static async Task<(List<(string Type, string? Facility)> Running, bool Truncated)> RunningWorkflowsAsync(
        ITemporalClient workflows, int max, CancellationToken ct)
    {
        var page = await workflows.ListWorkflowsPaginatedAsync(new ListFilter().Running().ToString(), null,
            new() { PageSize = max, Rpc = new() { CancellationToken = ct } });
        var running = page.Workflows.Select(e => (e.WorkflowType,
            e.TypedSearchAttributes.TryGetValue(EasyParkSearchAttributes.FacilityId, out var facility) ? facility : null)).ToList();
        return (running, page.NextPageToken is { Length: > 0 });
    }
}
