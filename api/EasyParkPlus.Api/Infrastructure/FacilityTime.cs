namespace EasyParkPlus.Api.Infrastructure;

/// <summary>
/// Calendar arithmetic in a facility's own time zone: an operator's "today", "this week" and the date on an invoice
/// start at local midnight, not at UTC midnight (five hours apart in Boston). Days around a DST change are 23 or 25 hours.
/// </summary>
public static class FacilityTime
{
    /// <summary>The IANA zone stored on the facility; UTC when it is unknown to this machine.</summary>
    public static TimeZoneInfo Zone(string? id) =>
        id is not null && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>The instant of local midnight starting the local day that holds <paramref name="instant"/>.</summary>
    public static DateTimeOffset StartOfDay(DateTimeOffset instant, TimeZoneInfo zone) => AtLocal(TimeZoneInfo.ConvertTime(instant, zone).Date, zone);

    /// <summary>The local date of <paramref name="instant"/> in <paramref name="zone"/>.</summary>
    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    /// <summary>
    /// Bucket boundaries (one more than buckets) ending with the bucket that holds <paramref name="now"/>: the last
    /// 24 local hours, or the last <paramref name="days"/> local days.
    /// </summary>
    public static IReadOnlyList<DateTimeOffset> Boundaries(DateTimeOffset now, TimeZoneInfo zone, int? days)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        if (days is not { } count)
        {
            // Whole local hours, counted as instants so a DST change neither repeats nor skips one.
            var hourStart = now.AddTicks(-(local.Ticks % TimeSpan.TicksPerHour));
            return [.. Enumerable.Range(-23, 25).Select(h => hourStart.AddHours(h))];
        }
        return [.. Enumerable.Range(1 - count, count + 1).Select(d => AtLocal(local.Date.AddDays(d), zone))];
    }

    // A local wall-clock time as a UTC instant (what PostgreSQL stores); a midnight skipped by DST (some zones jump at
    // 00:00) moves to the next valid time.
    private static DateTimeOffset AtLocal(DateTime wallClock, TimeZoneInfo zone)
    {
        var time = DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(time))
        {
            time = time.AddMinutes(30);
        }
        return new DateTimeOffset(time, zone.GetUtcOffset(time)).ToUniversalTime();
    }
}
