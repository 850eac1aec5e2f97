using System.Globalization;
using System.Text;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace EasyParkPlus.Api.Endpoints;

public enum AnalyticsPeriod
{
    Day,
    Week,
    Month,
}

public sealed record OccupancyBucket(DateTimeOffset Start, int Entries, int Exits, int OccupiedAtEnd, double OccupancyPercent);

public sealed record OccupancyResponse(string FacilityId, string Period, DateTimeOffset From, DateTimeOffset To, int Capacity, IReadOnlyList<OccupancyBucket> Buckets);

public sealed record ChargerUtilisation(string StationId, int Sessions, long EnergyWh, double BusySeconds, double UtilisationPercent);

public sealed record ChargerUtilisationResponse(string FacilityId, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ChargerUtilisation> Chargers);

public sealed record RevenueRow(string FacilityId, DateOnly Day, string Kind, int Invoices, long TotalCents);

public sealed record RevenueResponse(DateTimeOffset From, DateTimeOffset To, long TotalCents, IReadOnlyList<RevenueRow> Rows);

/// <summary>
/// Occupancy, charger utilisation, revenue and the QuickBooks CSV export (operators). Instants are UTC; days and hours
/// are the facility's local ones (its time zone), as its operator counts them.
/// </summary>
public static class AnalyticsEndpoints
{
    public static IEndpointRouteBuilder MapAnalyticsEndpoints(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/analytics").WithTags("Analytics").RequireAuthorization(Policies.Operator);
        group.MapGet("/occupancy", OccupancyAsync).WithSummary("Entries, exits and occupancy per hour (day) or per day (week, month) up to now (Operator).");
        group.MapGet("/charger-utilization", ChargerUtilisationAsync).WithSummary("Per charger: sessions, energy and share of time busy (Operator).");
        group.MapGet("/revenue", RevenueAsync).WithSummary("Paid invoice totals per facility, day and kind between startDate and endDate (Operator).");
        group.MapGet("/export", ExportAsync).WithSummary("Paid invoices as CSV in QuickBooks Online's invoice-import layout (Operator).");
        return api;
    }

    internal static async Task<Results<Ok<OccupancyResponse>, ValidationProblem, NotFound>> OccupancyAsync(
        string? facilityId, string? period, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Text("facilityId", facilityId, 16);
        errors.Enum<AnalyticsPeriod>("period", period ?? "day", out var p);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var capacity = await ScalarAsync<long>(db, "SELECT count(*) FROM parking.spaces WHERE facility_id = $1", ct, facilityId!);
        if (capacity == 0)
        {
            return TypedResults.NotFound();
        }
        var zone = FacilityTime.Zone(await ScalarAsync<string>(db, "SELECT time_zone FROM parking.facilities WHERE id = $1", ct, facilityId!));
        var boundaries = Buckets(p, time.GetUtcNow(), zone);
        var (from, to) = (boundaries[0], boundaries[^1]);
        var before = await ScalarAsync<long>(db, """
            SELECT count(*) FILTER (WHERE kind = 'occupied') - count(*) FILTER (WHERE kind = 'vacated')
            FROM analytics.occupancy_events WHERE facility_id = $1 AND occurred_at < $2
            """, ct, facilityId!, from);
        var events = new List<(DateTimeOffset At, bool Occupied)>();
        await using (var command = db.CreateCommand("""
            SELECT occurred_at, kind = 'occupied' FROM analytics.occupancy_events
            WHERE facility_id = $1 AND occurred_at >= $2 AND occurred_at < $3 ORDER BY occurred_at
            """))
        {
            command.Parameters.Add(new() { Value = facilityId! });
            command.Parameters.Add(new() { Value = from });
            command.Parameters.Add(new() { Value = to });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                events.Add((reader.GetFieldValue<DateTimeOffset>(0), reader.GetBoolean(1)));
            }
        }
        return TypedResults.Ok(new OccupancyResponse(facilityId!, FacilityEndpoints.Lower(p), from, to, (int)capacity,
            OccupancyBuckets(boundaries, (int)before, (int)capacity, events)));
    }

    /// <summary>Bucket boundaries ending with the bucket holding <paramref name="now"/>: 24 local hours, 7 or 30 local days.</summary>
    public static IReadOnlyList<DateTimeOffset> Buckets(AnalyticsPeriod period, DateTimeOffset now, TimeZoneInfo zone) =>
        FacilityTime.Boundaries(now, zone, period switch
        {
            AnalyticsPeriod.Day => null,
            AnalyticsPeriod.Week => 7,
            _ => 30,
        });

    /// <summary>Running occupancy from the count before the window and the events inside it (sorted by time).</summary>
    public static IReadOnlyList<OccupancyBucket> OccupancyBuckets(
        IReadOnlyList<DateTimeOffset> boundaries, int occupiedBefore, int capacity, IReadOnlyList<(DateTimeOffset At, bool Occupied)> events)
    {
        var buckets = new List<OccupancyBucket>(boundaries.Count - 1);
        var occupied = occupiedBefore;
        var index = 0;
        for (var i = 0; i < boundaries.Count - 1; i++)
        {
            var (start, end) = (boundaries[i], boundaries[i + 1]);
            int entries = 0, exits = 0;
            for (; index < events.Count && events[index].At < end; index++)
            {
                if (events[index].Occupied)
                {
                    entries++;
                }
                else
                {
                    exits++;
                }
            }
            occupied = Math.Max(0, occupied + entries - exits);
            buckets.Add(new OccupancyBucket(start, entries, exits, occupied, capacity == 0 ? 0 : Math.Round(100.0 * occupied / capacity, 1)));
        }
        return buckets;
    }

    internal static async Task<Results<Ok<ChargerUtilisationResponse>, ValidationProblem>> ChargerUtilisationAsync(
        string? facilityId, DateTimeOffset? from, DateTimeOffset? to, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var (start, end, errors) = Range(from, to, now, TimeSpan.FromDays(1));
        errors.Text("facilityId", facilityId, 16);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        await using var command = db.CreateCommand("""
            SELECT c.station_id,
                   count(s.id)::int,
                   coalesce(sum(s.energy_wh), 0)::bigint,
                   coalesce(sum(extract(epoch FROM least(coalesce(s.ended_device_at, $4), $3) - greatest(s.started_device_at, $2))), 0)::float8
            FROM charging.chargers c
            LEFT JOIN charging.charging_sessions s
              ON s.charger_id = c.id AND s.started_device_at < $3 AND coalesce(s.ended_device_at, $4) > $2
            WHERE c.facility_id = $1
            GROUP BY c.station_id ORDER BY c.station_id
            """);
        command.Parameters.Add(new() { Value = facilityId! });
        command.Parameters.Add(new() { Value = start });
        command.Parameters.Add(new() { Value = end });
        command.Parameters.Add(new() { Value = now });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<ChargerUtilisation>();
        var seconds = (end - start).TotalSeconds;
        while (await reader.ReadAsync(ct))
        {
            var busy = reader.GetDouble(3);
            rows.Add(new ChargerUtilisation(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), busy, Math.Round(100 * busy / seconds, 1)));
        }
        return TypedResults.Ok(new ChargerUtilisationResponse(facilityId!, start, end, rows));
    }

    internal static async Task<Results<Ok<RevenueResponse>, ValidationProblem>> RevenueAsync(
        string? facilityId, DateTimeOffset? startDate, DateTimeOffset? endDate, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var (start, end, errors) = Range(startDate, endDate, time.GetUtcNow(), TimeSpan.FromDays(30));
        errors.Text("facilityId", facilityId, 16, required: false);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        await using var command = db.CreateCommand("""
            SELECT coalesce(i.facility_id, ''), (i.paid_at AT TIME ZONE coalesce(f.time_zone, 'UTC'))::date, i.kind, count(*)::int, sum(i.total_cents)::bigint
            FROM billing.invoices i
            LEFT JOIN parking.facilities f ON f.id = i.facility_id
            WHERE i.status = 'paid' AND i.paid_at >= $1 AND i.paid_at < $2 AND ($3::text IS NULL OR i.facility_id = $3)
            GROUP BY 1, 2, 3 ORDER BY 2, 1, 3
            """);
        command.Parameters.Add(new() { Value = start });
        command.Parameters.Add(new() { Value = end });
        command.Parameters.Add(new() { Value = string.IsNullOrEmpty(facilityId) ? DBNull.Value : facilityId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<RevenueRow>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new RevenueRow(reader.GetString(0), reader.GetFieldValue<DateOnly>(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt64(4)));
        }
        return TypedResults.Ok(new RevenueResponse(start, end, rows.Sum(r => r.TotalCents), rows));
    }

    internal static async Task<Results<FileContentHttpResult, ValidationProblem>> ExportAsync(
        string? format, string? facilityId, DateTimeOffset? from, DateTimeOffset? to, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var (start, end, errors) = Range(from, to, time.GetUtcNow(), TimeSpan.FromDays(30));
        if (!string.Equals(format ?? "csv", "csv", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add("format", "'format' must be csv.");
        }
        errors.Text("facilityId", facilityId, 16, required: false);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        await using var command = db.CreateCommand("""
            SELECT i.id, coalesce(c.name, c.email, 'Walk-in customer'), (i.paid_at AT TIME ZONE coalesce(f.time_zone, 'UTC'))::date, i.facility_id, i.kind,
                   l.code, l.description, l.quantity, l.unit_price_cents, l.amount_cents
            FROM billing.invoices i
            JOIN billing.invoice_line_items l ON l.invoice_id = i.id
            LEFT JOIN accounts.customers c ON c.id = i.customer_id
            LEFT JOIN parking.facilities f ON f.id = i.facility_id
            WHERE i.status = 'paid' AND i.paid_at >= $1 AND i.paid_at < $2 AND ($3::text IS NULL OR i.facility_id = $3)
            ORDER BY i.paid_at, i.id, l.position
            """);
        command.Parameters.Add(new() { Value = start });
        command.Parameters.Add(new() { Value = end });
        command.Parameters.Add(new() { Value = string.IsNullOrEmpty(facilityId) ? DBNull.Value : facilityId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<QuickBooksLine>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new QuickBooksLine(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateOnly>(2), reader.IsDBNull(3) ? "" : reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetDecimal(7), reader.GetInt64(8), reader.GetInt64(9)));
        }
        var csv = QuickBooksCsv(rows);
        return TypedResults.File(Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", $"easypark-invoices-{start:yyyyMMdd}-{end:yyyyMMdd}.csv");
    }

    // InvoiceDate: the day the invoice was paid, at its facility.
    public sealed record QuickBooksLine(Guid InvoiceId, string Customer, DateOnly InvoiceDate, string FacilityId, string Kind,
        string Code, string Description, decimal Quantity, long UnitPriceCents, long AmountCents);

    /// <summary>
    /// QuickBooks Online's invoice import layout: one row per line, the invoice fields repeated, US dates, plain
    /// decimal amounts. Invoices are already paid, so the due date is the invoice date. Fields are quoted per RFC 4180
    /// and formula-leading characters are neutralised, so a customer name cannot inject a spreadsheet formula.
    /// </summary>
    public static string QuickBooksCsv(IEnumerable<QuickBooksLine> lines)
    {
        var csv = new StringBuilder("InvoiceNo,Customer,InvoiceDate,DueDate,Terms,Location,Item(Product/Service),ItemDescription,ItemQuantity,ItemRate,ItemAmount,Memo\r\n");
        foreach (var l in lines)
        {
            var date = l.InvoiceDate.ToString("MM/dd/yyyy", CultureInfo.InvariantCulture);
            string[] fields =
            [
                "EP-" + l.InvoiceId.ToString("N")[..12].ToUpperInvariant(), l.Customer, date, date, "Due on receipt", l.FacilityId, l.Code, l.Description,
                l.Quantity.ToString("0.###", CultureInfo.InvariantCulture), Dollars(l.UnitPriceCents), Dollars(l.AmountCents), $"EasyParkPlus {l.Kind} {l.InvoiceId}",
            ];
            csv.AppendJoin(',', fields.Select(Field)).Append("\r\n");
        }
        return csv.ToString();
    }

    private static string Dollars(long cents) => (cents / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static (DateTimeOffset Start, DateTimeOffset End, ValidationErrors Errors) Range(DateTimeOffset? from, DateTimeOffset? to, DateTimeOffset now, TimeSpan defaultLength)
    {
        var errors = new ValidationErrors();
        var end = to ?? now;
        var start = from ?? end - defaultLength;
        if (start >= end)
        {
            errors.Add("from", "The start of the range must be before its end.");
        }
        else if (end - start > TimeSpan.FromDays(366))
        {
            errors.Add("to", "A range may span at most 366 days.");
        }
        return (start, end, errors);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, CancellationToken ct, params object[] args)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(new() { Value = arg });
        }
        var result = await command.ExecuteScalarAsync(ct);
        return result is null or DBNull ? default! : (T)Convert.ChangeType(result, typeof(T), CultureInfo.InvariantCulture);
    }
}
