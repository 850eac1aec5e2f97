using EasyParkPlus.Engine.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Engine.Hosting;

/// <summary>
/// Runs the worker loops of this process: per queue one loop claiming workflow tasks and one claiming activity
/// tasks, woken by store notifications (LISTEN/NOTIFY) with a slow poll as a safety net; plus timers, expiry of
/// lost attempts, purge of old runs and cache trimming. On shutdown it stops claiming, lets running work finish
/// for the grace period, then cancels and gives back what is left.
/// </summary>
internal sealed partial class WorkerHost(IServiceProvider services, IOptions<WorkflowEngineOptions> options, ILogger<WorkerHost> logger) : BackgroundService
{
    private WorkflowRuntime? _runtime;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Workers.Count == 0)
        {
            return;
        }
        _runtime = services.GetRequiredService<WorkflowRuntime>();
        var time = services.GetRequiredService<TimeProvider>();
        var engine = options.Value;
        LogStarting(engine.Identity, string.Join(", ", engine.Workers.Select(w => w.TaskQueue)));

        var loops = new List<Task>();
        foreach (var queue in _runtime.TaskQueues)
        {
            var workflowWake = _runtime.WorkflowWake(queue);
            var activityWake = _runtime.ActivityWake(queue);
            loops.Add(LoopAsync("workflow tasks " + queue, ct => _runtime.LaunchWorkflowTasksAsync(queue, ct), workflowWake, _ => engine.IdlePollInterval, time, stoppingToken));
            loops.Add(LoopAsync("activity tasks " + queue, ct => _runtime.LaunchActivityTasksAsync(queue, ct), activityWake, _ => engine.IdlePollInterval, time, stoppingToken));
        }
        loops.Add(LoopAsync("timers", _runtime.FireTimersAsync, _runtime.TimerWake, now =>
            _runtime.EarliestTimerHint is { } hint && hint - now < engine.TimerPollInterval ? hint - now : engine.TimerPollInterval, time, stoppingToken));
        loops.Add(LoopAsync("activity expiry", _runtime.ExpireActivitiesAsync, new AsyncSignal(), _ => engine.ExpiryPollInterval, time, stoppingToken));
        loops.Add(LoopAsync("maintenance", async ct =>
        {
            _runtime.TrimCacheUnderMemoryPressure();
            await _runtime.PurgeAsync(ct).ConfigureAwait(false);
            return 0;
        }, new AsyncSignal(), _ => engine.PurgeInterval, time, stoppingToken));
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="step"/> again at once while it finds work, otherwise waits for a wake-up or the poll interval.</summary>
    private async Task LoopAsync(string name, Func<CancellationToken, Task<int>> step, AsyncSignal wake, Func<DateTimeOffset, TimeSpan> idleWait,
        TimeProvider time, CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var found = await step(stoppingToken).ConfigureAwait(false);
                failures = 0;
                if (found > 0)
                {
                    continue;
                }
                var wait = idleWait(time.GetUtcNow());
                await wake.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The store is unreachable or a query failed: back off and keep going; leases make this safe.
                failures++;
                LogLoopFailed(ex, name, failures);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 100 * Math.Pow(2, Math.Min(failures, 7)))), time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_runtime is not null)
        {
            await _runtime.StopAsync(cancellationToken).ConfigureAwait(false);
            LogStopped(options.Value.Identity);
        }
    }

    [LoggerMessage(1201, LogLevel.Information, "Worker {Identity} starting on task queues {Queues}")]
    private partial void LogStarting(string identity, string queues);

    [LoggerMessage(1202, LogLevel.Warning, "Worker loop {Loop} failed ({Failures} in a row); backing off")]
    private partial void LogLoopFailed(Exception exception, string loop, int failures);

    [LoggerMessage(1203, LogLevel.Information, "Worker {Identity} stopped")]
    private partial void LogStopped(string identity);
}
