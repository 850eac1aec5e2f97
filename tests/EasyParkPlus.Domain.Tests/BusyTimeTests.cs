using EasyParkPlus.Domain.Charging;
using FsCheck;
using FsCheck.Fluent;

namespace EasyParkPlus.Domain.Tests;

public class BusyTimeTests
{
    private const int WindowMinutes = 600;

    private static readonly DateTimeOffset From = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly DateTimeOffset To = From.AddMinutes(WindowMinutes);

    // Sessions in whole minutes, starting up to two hours before the window and ending up to two hours after it.
    private static readonly Gen<(int Start, int Length)> Sessions = Gen.Zip(Gen.Choose(-120, WindowMinutes + 60), Gen.Choose(0, 240));

    [Fact]
    public void Within_NoSessions_IsZero() =>
        BusyTime.Within([], From, To).Should().Be(TimeSpan.Zero);

    [Fact]
    public void Within_OverlappingAndNestedSessions_CountOnce() =>
        BusyTime.Within([(From.AddHours(2), From.AddHours(5)), (From.AddHours(4), From.AddHours(6)), (From.AddHours(3), From.AddHours(4)), (From.AddHours(-3), From.AddHours(1))], From, To)
            .Should().Be(TimeSpan.FromHours(5));

    [Fact]
    public void Within_RandomSessions_EqualsTheUnionOfTheirIntervalsAndNeverExceedsTheWindow() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(
            Gen.ListOf(Sessions).ToArbitrary(),
            sessions =>
            {
                var intervals = sessions.Select(s => (From.AddMinutes(s.Start), From.AddMinutes(s.Start + s.Length))).ToList();
                // The union, counted minute by minute: a minute of the window is busy when any session covers it.
                var busyMinutes = Enumerable.Range(0, WindowMinutes).Count(m => sessions.Any(s => s.Start <= m && m < s.Start + s.Length));
                var busy = BusyTime.Within(intervals, From, To);
                return busy == TimeSpan.FromMinutes(busyMinutes) && busy <= To - From;
            }));
}
