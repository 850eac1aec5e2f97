using System.Globalization;
using System.Text;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Domain.Charging;
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

// Entry "payment": invoices paid that day (Count of them); "refund": refunds made that day (Count of them, TotalCents negative).
public sealed record RevenueRow(string FacilityId, DateOnly Day, string Kind, string Entry, int Count, long TotalCents);

// TotalCents is net: GrossCents paid less RefundedCents given back in the range.
public sealed record RevenueResponse(DateTimeOffset From, DateTimeOffset To, long GrossCents, long RefundedCents, long TotalCents, IReadOnlyList<RevenueRow> Rows);

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
        group.MapGet("/revenue", RevenueAsync)
            .WithSummary("Revenue net of refunds per facility, day and kind between startDate and endDate: payments on the day paid, refunds as negative lines on the day made (Operator).");
        group.MapGet("/export", ExportAsync)
            .WithSummary("Paid invoices and refunds (negative lines on the day of the refund) as CSV in QuickBooks Online's invoice-import layout (Operator).");
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
        // Every charger of the facility with the sessions that overlap the window (a session still running ends "now").
        await using var command = db.CreateCommand("""
            SELECT c.station_id, s.started_device_at, coalesce(s.ended_device_at, $4), coalesce(s.energy_wh, 0)
            FROM charging.chargers c
            LEFT JOIN charging.charging_sessions s
              ON s.charger_id = c.id AND s.started_device_at < $3 AND coalesce(s.ended_device_at, $4) > $2
            WHERE c.facility_id = $1
            ORDER BY c.station_id
            """);
        command.Parameters.Add(new() { Value = facilityId! });
        command.Parameters.Add(new() { Value = start });
        command.Parameters.Add(new() { Value = end });
        command.Parameters.Add(new() { Value = now });
        var sessions = new List<(string StationId, (DateTimeOffset Start, DateTimeOffset End)? Interval, long EnergyWh)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                // A charger without sessions comes back once, with no interval: idle, not busy all day.
                sessions.Add((reader.GetString(0),
                    reader.IsDBNull(1) ? null : (reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)), reader.GetInt64(3)));
            }
        }
        var seconds = (end - start).TotalSeconds;
        var rows = sessions.GroupBy(s => s.StationId, StringComparer.Ordinal).Select(charger =>
        {
            var intervals = charger.Where(s => s.Interval is not null).Select(s => s.Interval!.Value).ToList();
            var busy = BusyTime.Within(intervals, start, end).TotalSeconds;
            return new ChargerUtilisation(charger.Key, intervals.Count, charger.Sum(s => s.EnergyWh), busy, Math.Round(100 * busy / seconds, 1));
        }).ToList();
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
        var ledger = await MoneyLedger.ReadAsync(db, start, end, facilityId, ct);
        var rows = ledger
            .GroupBy(e => (e.FacilityId, e.Day, e.Kind, Entry: e.RefundId is null ? "payment" : "refund"))
            .Select(g => new RevenueRow(g.Key.FacilityId, g.Key.Day, g.Key.Kind, g.Key.Entry, g.Count(), g.Sum(e => e.AmountCents)))
            .OrderBy(r => r.Day).ThenBy(r => r.FacilityId, StringComparer.Ordinal).ThenBy(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.Entry, StringComparer.Ordinal)
            .ToList();
        var gross = ledger.Where(e => e.RefundId is null).Sum(e => e.AmountCents);
        var refunded = -ledger.Where(e => e.RefundId is not null).Sum(e => e.AmountCents);
        return TypedResults.Ok(new RevenueResponse(start, end, gross, refunded, gross - refunded, rows));
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
        // The same entries as the revenue report: each paid invoice with its lines on the day it was paid, each refund as
        // one negative line on the day it was made.
        var ledger = await MoneyLedger.ReadAsync(db, start, end, facilityId, ct);
        var invoiceIds = ledger.Select(e => e.InvoiceId).Distinct().ToArray();
        var customers = new Dictionary<Guid, string>();
        var lines = new Dictionary<Guid, List<(string Code, string Description, decimal Quantity, long UnitPriceCents, long AmountCents)>>();
        await using (var command = db.CreateCommand("""
            SELECT i.id, coalesce(c.name, c.email, 'Walk-in customer'), l.code, l.description, l.quantity, l.unit_price_cents, l.amount_cents
            FROM billing.invoices i
            LEFT JOIN billing.invoice_line_items l ON l.invoice_id = i.id
            LEFT JOIN accounts.customers c ON c.id = i.customer_id
            WHERE i.id = ANY($1)
            ORDER BY i.id, l.position
            """))
        {
            command.Parameters.Add(new() { Value = invoiceIds });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetGuid(0);
                customers[id] = reader.GetString(1);
                if (!reader.IsDBNull(2))
                {
                    (lines.TryGetValue(id, out var list) ? list : lines[id] = []).Add(
                        (reader.GetString(2), reader.GetString(3), reader.GetDecimal(4), reader.GetInt64(5), reader.GetInt64(6)));
                }
            }
        }
        var rows = ledger.SelectMany(e => e.RefundId is { } refundId
            ? [new QuickBooksLine(e.InvoiceId, refundId, customers.GetValueOrDefault(e.InvoiceId, "Walk-in customer"), e.Day, e.FacilityId, e.Kind,
                "REFUND", string.IsNullOrWhiteSpace(e.Reason) ? "Refund" : $"Refund: {e.Reason}", 1, e.AmountCents, e.AmountCents)]
            : lines.GetValueOrDefault(e.InvoiceId, []).Select(l => new QuickBooksLine(e.InvoiceId, null, customers.GetValueOrDefault(e.InvoiceId, "Walk-in customer"),
                e.Day, e.FacilityId, e.Kind, l.Code, l.Description, l.Quantity, l.UnitPriceCents, l.AmountCents))).ToList();
        var csv = QuickBooksCsv(rows);
        return TypedResults.File(Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", $"easypark-invoices-{start:yyyyMMdd}-{end:yyyyMMdd}.csv");
    }

    // InvoiceDate: the day the invoice was paid, or for a refund (RefundId set) the day it was made, at the facility.
    public sealed record QuickBooksLine(Guid InvoiceId, Guid? RefundId, string Customer, DateOnly InvoiceDate, string FacilityId, string Kind,
        string Code, string Description, decimal Quantity, long UnitPriceCents, long AmountCents);

    /// <summary>
    /// QuickBooks Online's invoice import layout: one row per line, the invoice fields repeated, US dates, plain
    /// decimal amounts. Invoices are already paid, so the due date is the invoice date. A refund is its own document
    /// (number with an -R suffix) with one negative line. Fields are quoted per RFC 4180 and formula-leading characters are
    /// neutralised, so a customer name cannot inject a spreadsheet formula (a negative amount is a number, not a formula).
    /// </summary>
    public static string QuickBooksCsv(IEnumerable<QuickBooksLine> lines)
    {
        var csv = new StringBuilder("InvoiceNo,Customer,InvoiceDate,DueDate,Terms,Location,Item(Product/Service),ItemDescription,ItemQuantity,ItemRate,ItemAmount,Memo\r\n");
        foreach (var l in lines)
        {
            var date = l.InvoiceDate.ToString("MM/dd/yyyy", CultureInfo.InvariantCulture);
            var number = "EP-" + l.InvoiceId.ToString("N")[..12].ToUpperInvariant() + (l.RefundId is { } r ? "-R" + r.ToString("N")[..6].ToUpperInvariant() : "");
            var memo = l.RefundId is null ? $"EasyParkPlus {l.Kind} {l.InvoiceId}" : $"EasyParkPlus {l.Kind} refund of {l.InvoiceId}";
            string[] fields =
            [
                number, l.Customer, date, date, "Due on receipt", l.FacilityId, l.Code, l.Description,
                l.Quantity.ToString("0.###", CultureInfo.InvariantCulture), Dollars(l.UnitPriceCents), Dollars(l.AmountCents), memo,
            ];
            csv.AppendJoin(',', fields.Select(Field)).Append("\r\n");
        }
        return csv.ToString();
    }

    private static string Dollars(long cents) => (cents / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
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
