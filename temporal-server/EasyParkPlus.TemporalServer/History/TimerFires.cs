using EasyParkPlus.TemporalServer.Persistence;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>Applies a fired timer to its run, if the run still needs that timer now (else it is stale and ignored).</summary>
public static class TimerFires
{
    public static void Apply(RunTransaction tx, TimerTaskKey key)
    {
        var s = tx.State;
        // The state decides: a timer fires only if the run still wants it, with a due time that has come.
        var wanted = RunEffects.Timers(s).FirstOrDefault(t => t.Key == key);
        if (wanted is null || wanted.FireTime > tx.Now)
        {
            return;
        }
        switch (key.Kind)
        {
            case TimerKind.UserTimer:
                var timer = s.Timers[key.Entity];
                s.Timers.Remove(key.Entity);
                tx.AddExternal(new HistoryEvent
                {
                    EventType = EventType.TimerFired,
                    TimerFiredEventAttributes = new() { TimerId = timer.TimerId, StartedEventId = timer.StartedEventId },
                });
                break;
            case TimerKind.WorkflowTaskStartToClose:
                WorkflowTasks.StartToCloseTimedOut(tx, key.Stamp);
                break;
            case TimerKind.WorkflowTaskScheduleToStart:
                WorkflowTasks.ScheduleToStartTimedOut(tx, key.Stamp);
                break;
            case TimerKind.ActivityScheduleToStart or TimerKind.ActivityScheduleToClose or TimerKind.ActivityStartToClose or TimerKind.ActivityHeartbeat or TimerKind.ActivityRetry:
                Activities.OnTimer(tx, key);
                break;
            case TimerKind.WorkflowRunTimeout:
                RunClosing.TimeOut(tx, executionTimeout: false);
                break;
            case TimerKind.WorkflowExecutionTimeout:
                RunClosing.TimeOut(tx, executionTimeout: true);
                break;
            case TimerKind.WorkflowStartBackoff:
                s.AwaitingStartBackoff = false;
                tx.NeedsWorkflowTask = true;
                tx.HasChanges = true;
                break;
        }
    }
}
