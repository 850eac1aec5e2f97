namespace EasyParkPlus.Domain.Charging;

public static class BusyTime
{
    // How much of [from, to) at least one of the intervals covers. Overlapping or nested sessions (two EVSEs of one
    // charger, a transaction reported twice) count once, so the answer never exceeds the window; no sessions is zero.
    public static TimeSpan Within(IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> intervals, DateTimeOffset from, DateTimeOffset to)
    {
        var busy = TimeSpan.Zero;
        DateTimeOffset? runStart = null;
        var runEnd = from;
        foreach (var (start, end) in intervals
            .Select(i => (Start: i.Start < from ? from : i.Start, End: i.End > to ? to : i.End))
            .Where(i => i.End > i.Start)
            .OrderBy(i => i.Start))
        {
            if (runStart is null || start > runEnd)
            {
                busy += runStart is null ? TimeSpan.Zero : runEnd - runStart.Value;
                (runStart, runEnd) = (start, end);
            }
            else if (end > runEnd)
            {
                runEnd = end;
            }
        }
        return runStart is null ? busy : busy + (runEnd - runStart.Value);
    }
}
