using EasyParkPlus.Api.Infrastructure;

namespace EasyParkPlus.Api.Tests;

public sealed class FacilityTimeTests
{
    private static readonly TimeZoneInfo Boston = FacilityTime.Zone("America/New_York");

    [Fact]
    public void StartOfDay_EveningInBoston_IsLocalMidnight_NotUtcMidnight()
    {
        // 22:00 on 5 December in Boston is already 6 December in UTC.
        var evening = new DateTimeOffset(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.FromHours(-5)), FacilityTime.StartOfDay(evening, Boston));
        Assert.Equal(new DateOnly(2026, 12, 5), FacilityTime.LocalDate(evening, Boston));
    }

    [Fact]
    public void Boundaries_WeekOverSpringForward_AreLocalMidnights_WithOne23HourDay()
    {
        var now = new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

        var days = FacilityTime.Boundaries(now, Boston, 7);

        Assert.Equal(8, days.Count);
        Assert.Equal(new DateTimeOffset(2026, 3, 4, 0, 0, 0, TimeSpan.FromHours(-5)), days[0]);
        Assert.Equal(new DateTimeOffset(2026, 3, 11, 0, 0, 0, TimeSpan.FromHours(-4)), days[^1]);
        var lengths = days.Zip(days.Skip(1), (a, b) => (b - a).TotalHours).ToList();
        Assert.Equal([24, 24, 24, 24, 23, 24, 24], lengths);
        Assert.InRange(now, days[^2], days[^1]);
    }

    [Fact]
    public void Boundaries_DayOverFallBack_Are24HourLongBucketsEndingAfterNow()
    {
        var now = new DateTimeOffset(2026, 11, 1, 12, 30, 0, TimeSpan.Zero);

        var hours = FacilityTime.Boundaries(now, Boston, null);

        Assert.Equal(25, hours.Count);
        Assert.All(hours.Zip(hours.Skip(1), (a, b) => b - a), step => Assert.Equal(TimeSpan.FromHours(1), step));
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero), hours[^2]);
        Assert.InRange(now, hours[^2], hours[^1]);
    }

    [Fact]
    public void Zone_UnknownId_FallsBackToUtc()
    {
        Assert.Equal(TimeZoneInfo.Utc, FacilityTime.Zone("Mars/Olympus_Mons"));
        Assert.Equal(TimeZoneInfo.Utc, FacilityTime.Zone(null));
    }
}
