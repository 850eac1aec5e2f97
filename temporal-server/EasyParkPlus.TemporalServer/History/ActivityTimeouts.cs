using Temporalio.Api.Command.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>An activity's four timeouts as Temporal completes them from what the command set.</summary>
public sealed record ActivityTimeouts(TimeSpan ScheduleToClose, TimeSpan ScheduleToStart, TimeSpan StartToClose, TimeSpan Heartbeat, string? Error = null)
{
    /// <summary>
    /// Schedule-to-close bounds the others; with only start-to-close set, schedule-to-close is the run timeout
    /// (unbounded without one); everything is capped by the run timeout; heartbeat by start-to-close.
    /// </summary>
    public static ActivityTimeouts Normalize(ScheduleActivityTaskCommandAttributes a, TimeSpan runTimeout)
    {
        if (a.ScheduleToCloseTimeout.IsNegative() || a.ScheduleToStartTimeout.IsNegative() || a.StartToCloseTimeout.IsNegative() || a.HeartbeatTimeout.IsNegative())
        {
            return new(default, default, default, default, "A valid timeout may not be negative.");
        }
        var scheduleToClose = a.ScheduleToCloseTimeout.ToTimeSpanOrZero();
        var scheduleToStart = a.ScheduleToStartTimeout.ToTimeSpanOrZero();
        var startToClose = a.StartToCloseTimeout.ToTimeSpanOrZero();
        var heartbeat = a.HeartbeatTimeout.ToTimeSpanOrZero();
        if (scheduleToClose > TimeSpan.Zero)
        {
            scheduleToStart = scheduleToStart > TimeSpan.Zero ? Min(scheduleToStart, scheduleToClose) : scheduleToClose;
            startToClose = startToClose > TimeSpan.Zero ? Min(startToClose, scheduleToClose) : scheduleToClose;
        }
        else if (startToClose > TimeSpan.Zero)
        {
            scheduleToClose = runTimeout;
            if (scheduleToClose > TimeSpan.Zero)
            {
                scheduleToStart = scheduleToStart > TimeSpan.Zero ? Min(scheduleToStart, scheduleToClose) : scheduleToClose;
            }
        }
        else
        {
            return new(default, default, default, default, "A valid StartToClose or ScheduleToCloseTimeout is not set on command.");
        }
        if (runTimeout > TimeSpan.Zero)
        {
            scheduleToClose = scheduleToClose > TimeSpan.Zero ? Min(scheduleToClose, runTimeout) : runTimeout;
            scheduleToStart = scheduleToStart > TimeSpan.Zero ? Min(scheduleToStart, runTimeout) : scheduleToStart;
            startToClose = Min(startToClose, runTimeout);
        }
        heartbeat = Min(heartbeat, startToClose);
        return new(scheduleToClose, scheduleToStart, startToClose, heartbeat);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
