namespace EasyParkPlus.Domain.Charging;

public sealed record IdlePeriod(DateTimeOffset Start, DateTimeOffset End)
{
    public TimeSpan Duration => End - Start;
}

// Idle periods up to a moment; `IsIdleAtEnd` says whether the last one was still running then
// (a live measurement), which a workflow uses to schedule its next idle-fee check.
public sealed record IdleMeasurement(IReadOnlyList<IdlePeriod> Periods, bool IsIdleAtEnd)
{
    public TimeSpan Total => Periods.Aggregate(TimeSpan.Zero, (sum, period) => sum + period.Duration);
}

// Idle time is time a plugged-in EV blocks the charger without drawing energy by its own choice:
// `SuspendedEV` at any time, or `EVConnected` once the session has charged (a full battery).
// `SuspendedEVSE` is never idle: that is our own power limit holding the car back. `Idle` in OCPP
// means no EV is connected, so it ends an idle period just as the unplug does.
public static class IdleClock
{
    // Changes may come in any order (a charger that was offline sends buffered events late), so
    // they are ordered by device time. `until` is the unplug time, or "now" for a live measurement.
    public static IdleMeasurement Measure(IEnumerable<ChargingStateChange> changes, DateTimeOffset until)
    {
        var periods = new List<IdlePeriod>();
        var hasCharged = false;
        DateTimeOffset? idleSince = null;
        // OrderBy is stable: two changes with the same timestamp keep the order they were reported in.
        foreach (var change in changes.OrderBy(change => change.At))
        {
            if (change.At > until)
            {
                break;
            }
            hasCharged |= change.State == ChargingState.Charging;
            var idle = IsIdle(change.State, hasCharged);
            if (idle && idleSince is null)
            {
                idleSince = change.At;
            }
            else if (!idle && idleSince is { } start)
            {
                AddPeriod(periods, start, change.At);
                idleSince = null;
            }
        }
        if (idleSince is { } openStart)
        {
            AddPeriod(periods, openStart, until);
        }
        return new IdleMeasurement(periods, idleSince is not null);
    }

    public static bool IsIdle(ChargingState state, bool hasCharged) => state switch
    {
        ChargingState.SuspendedEV => true,
        ChargingState.EVConnected => hasCharged,
        _ => false,
    };

    private static void AddPeriod(List<IdlePeriod> periods, DateTimeOffset start, DateTimeOffset end)
    {
        if (end > start)
        {
            periods.Add(new IdlePeriod(start, end));
        }
    }
}
