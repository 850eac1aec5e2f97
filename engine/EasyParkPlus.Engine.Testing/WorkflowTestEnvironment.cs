using System.Text.Json;
using EasyParkPlus.Engine.Hosting;
using EasyParkPlus.Engine.Runtime;
using EasyParkPlus.Engine.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Engine.Testing;

/// <summary>
/// Runs workflows in-process under a virtual clock. The worker is the production <see cref="WorkflowRuntime"/>,
/// driven step by step: after each start, signal or cancellation the environment runs everything runnable at the
/// current time, and while a test waits for a result it also skips time to the next timer whenever every workflow
/// and activity is waiting, so a 30-day workflow completes in milliseconds. Works over any store (in memory by
/// default, PostgreSQL for the shared behaviour suite).
/// </summary>
public sealed class WorkflowTestEnvironment : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly WorkflowRuntime _runtime;

    private WorkflowTestEnvironment(ServiceProvider services, VirtualTimeProvider time, IWorkflowStore store, string taskQueue)
    {
        _services = services;
        Time = time;
        Store = store;
        TaskQueue = taskQueue;
        _runtime = services.GetRequiredService<WorkflowRuntime>();
        var options = services.GetRequiredService<IOptions<WorkflowEngineOptions>>().Value;
        var inner = new WorkflowClient(store, services.GetRequiredService<WorkflowRegistry>(), time,
            services.GetRequiredService<ILoggerFactory>(), options, _runtime);
        Client = new PumpingClient(inner, this);
    }

    /// <summary>The default start of the virtual clock.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The virtual clock.</summary>
    public VirtualTimeProvider Time { get; }

    /// <summary>A client whose calls run the workflows to quiescence before they return.</summary>
    public IWorkflowClient Client { get; }

    /// <summary>The store underneath.</summary>
    public IWorkflowStore Store { get; }

    /// <summary>The task queue the environment's worker serves.</summary>
    public string TaskQueue { get; }

    /// <summary>Services (activities and whatever they need).</summary>
    public IServiceProvider Services => _services;

    /// <summary>Creates an environment whose worker serves <paramref name="taskQueue"/>.</summary>
    /// <param name="configure">Registers workflows and (fake) activities, e.g. <c>b =&gt; b.AddWorkflow&lt;X&gt;().AddSingletonActivities(fake)</c>.</param>
    /// <param name="store">The store; in memory when null.</param>
    /// <param name="start">Where the virtual clock starts.</param>
    /// <param name="taskQueue">The task queue served.</param>
    /// <param name="loggerFactory">Where logs go; nowhere when null.</param>
    /// <param name="configureServices">Extra services activities need.</param>
    /// <param name="configureEngine">Engine options (e.g. a shorter deadlock timeout).</param>
    public static WorkflowTestEnvironment Create(
        Action<WorkflowEngineBuilder> configure,
        IWorkflowStore? store = null,
        DateTimeOffset? start = null,
        string taskQueue = "test",
        ILoggerFactory? loggerFactory = null,
        Action<IServiceCollection>? configureServices = null,
        Action<WorkflowEngineOptions>? configureEngine = null)
    {
        var time = new VirtualTimeProvider(start ?? DefaultStart);
        store ??= new InMemoryWorkflowStore();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(store);
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        var builder = services.AddWorkflowEngine(o =>
        {
            o.Identity = "test-worker";
            configureEngine?.Invoke(o);
        }).AddWorker(taskQueue);
        configure(builder);
        configureServices?.Invoke(services);
        return new WorkflowTestEnvironment(services.BuildServiceProvider(), time, store, taskQueue);
    }

    /// <summary>Runs everything runnable at the current virtual time (no time passes).</summary>
    public Task RunUntilIdleAsync(CancellationToken cancellationToken = default) => PumpAsync(skipTime: false, null, cancellationToken);

    /// <summary>Moves the clock forward by <paramref name="delta"/>, running everything that becomes due on the way.</summary>
    public async Task SkipTimeAsync(TimeSpan delta, CancellationToken cancellationToken = default)
    {
        var target = Time.GetUtcNow() + delta;
        while (true)
        {
            await PumpAsync(skipTime: false, null, cancellationToken).ConfigureAwait(false);
            var next = await NextDueAsync(cancellationToken).ConfigureAwait(false);
            if (next is not { } due || due > target)
            {
                break;
            }
            Time.SetTo(due);
        }
        Time.SetTo(target);
        await PumpAsync(skipTime: false, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs, skipping time whenever everything waits, until <paramref name="done"/> holds or nothing is left to do.</summary>
    internal async Task PumpAsync(bool skipTime, Func<Task<bool>>? done, CancellationToken cancellationToken)
    {
        for (var round = 0; round < 1_000_000; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (done is not null && await done().ConfigureAwait(false))
            {
                return;
            }
            var progress = await _runtime.FireTimersAsync(cancellationToken).ConfigureAwait(false);
            progress += await _runtime.ExpireActivitiesAsync(cancellationToken).ConfigureAwait(false);
            progress += await _runtime.LaunchWorkflowTasksAsync(TaskQueue, cancellationToken).ConfigureAwait(false);
            progress += await _runtime.LaunchActivityTasksAsync(TaskQueue, cancellationToken).ConfigureAwait(false);

            var inFlight = _runtime.InFlight.Where(t => !t.IsCompleted).ToArray();
            if (inFlight.Length > 0 && !EverythingWaitsOnTheClock())
            {
                // Work that finishes by itself (workflow tasks, activities doing real I/O): wait for some of it,
                // or for an activity to start waiting on the virtual clock.
                await Task.WhenAny([.. inFlight, Time.TimerCreated]).WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (progress > 0)
            {
                continue;
            }
            if (!skipTime)
            {
                return;
            }
            if (await NextDueAsync(cancellationToken).ConfigureAwait(false) is not { } next)
            {
                return;
            }
            Time.SetTo(next > Time.GetUtcNow() ? next : Time.GetUtcNow());
        }
        throw new InvalidOperationException("The workflows did not settle after a million rounds; is a workflow looping without waiting?");
    }

    /// <summary>Every running activity waits on the virtual clock (and no workflow task runs), so only time can move things.</summary>
    private bool EverythingWaitsOnTheClock() =>
        _runtime.RunningWorkflowTasks == 0 && _runtime.RunningActivities > 0 && Time.ActiveTimerCount >= _runtime.RunningActivities
        && _runtime.InFlight.Count(t => !t.IsCompleted) <= _runtime.RunningActivities;

    private async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        var store = await Store.GetNextDueTimeAsync(cancellationToken).ConfigureAwait(false);
        var clock = Time.NextTimerDue;
        return (store, clock) switch
        {
            (null, null) => null,
            ({ } s, null) => s,
            (null, { } c) => c,
            ({ } s, { } c) => s < c ? s : c,
        };
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _runtime.DisposeAsync().ConfigureAwait(false);
        await _services.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Runs the workflows after every call that changes something, and skips time while a result is awaited.</summary>
    private sealed class PumpingClient(IWorkflowClient inner, WorkflowTestEnvironment environment) : IWorkflowClient
    {
        public WorkflowRegistry Registry => inner.Registry;

        private async Task<T> ThenPump<T>(Task<T> call, CancellationToken cancellationToken)
        {
            var result = await call.ConfigureAwait(false);
            await environment.PumpAsync(skipTime: false, null, cancellationToken).ConfigureAwait(false);
            return result;
        }

        private async Task ThenPump(Task call, CancellationToken cancellationToken)
        {
            await call.ConfigureAwait(false);
            await environment.PumpAsync(skipTime: false, null, cancellationToken).ConfigureAwait(false);
        }

        public Task<WorkflowHandle> StartWorkflowAsync(string workflowType, JsonElement input, WorkflowOptions options, CancellationToken cancellationToken = default) =>
            ThenPump(Rebind(inner.StartWorkflowAsync(workflowType, input, options, cancellationToken)), cancellationToken);

        public Task<WorkflowHandle> SignalWithStartWorkflowAsync(string workflowType, JsonElement input, string signalName, JsonElement signalInput,
            WorkflowOptions options, CancellationToken cancellationToken = default) =>
            ThenPump(Rebind(inner.SignalWithStartWorkflowAsync(workflowType, input, signalName, signalInput, options, cancellationToken)), cancellationToken);

        private async Task<WorkflowHandle> Rebind(Task<WorkflowHandle> started)
        {
            var handle = await started.ConfigureAwait(false);
            return new WorkflowHandle(this, handle.WorkflowId, handle.RunId, handle.FirstRunId);
        }

        public Task SignalWorkflowAsync(string workflowId, string? runId, string signalName, JsonElement input, string? requestId = null, CancellationToken cancellationToken = default) =>
            ThenPump(inner.SignalWorkflowAsync(workflowId, runId, signalName, input, requestId, cancellationToken), cancellationToken);

        public Task<JsonElement?> QueryWorkflowAsync(string workflowId, string? runId, string queryName, JsonElement input, CancellationToken cancellationToken = default) =>
            inner.QueryWorkflowAsync(workflowId, runId, queryName, input, cancellationToken);

        public async Task<JsonElement?> GetWorkflowResultAsync(string workflowId, string? runId, bool followRuns = true, CancellationToken cancellationToken = default)
        {
            await environment.PumpAsync(skipTime: true, async () =>
            {
                var current = runId;
                while (await environment.Store.GetExecutionAsync(workflowId, current, cancellationToken).ConfigureAwait(false) is { } execution)
                {
                    if (execution.Status == WorkflowStatus.ContinuedAsNew && followRuns && execution.ContinuedAsRunId is { } next)
                    {
                        current = next;
                        continue;
                    }
                    if (execution.Status == WorkflowStatus.Running
                        && await environment.Store.DescribeAsync(workflowId, current, cancellationToken).ConfigureAwait(false) is { LastWorkflowTaskFailure: { } failure })
                    {
                        // A workflow task that fails would be retried forever; in a test, say why at once.
                        throw new InvalidOperationException($"A workflow task of {workflowId} failed: {failure.Message}");
                    }
                    return execution.Status != WorkflowStatus.Running;
                }
                return true;
            }, cancellationToken).ConfigureAwait(false);
            var closed = await environment.Store.GetExecutionAsync(workflowId, runId, cancellationToken).ConfigureAwait(false);
            if (closed is { Status: WorkflowStatus.Running })
            {
                throw new InvalidOperationException(
                    $"Workflow {workflowId} is still running, and nothing is scheduled that could move it on (is it waiting for a signal?).");
            }
            return await inner.GetWorkflowResultAsync(workflowId, runId, followRuns, cancellationToken).ConfigureAwait(false);
        }

        public Task<WorkflowExecutionDescription> DescribeWorkflowAsync(string workflowId, string? runId = null, CancellationToken cancellationToken = default) =>
            inner.DescribeWorkflowAsync(workflowId, runId, cancellationToken);

        public Task CancelWorkflowAsync(string workflowId, string? runId = null, string? reason = null, CancellationToken cancellationToken = default) =>
            ThenPump(inner.CancelWorkflowAsync(workflowId, runId, reason, cancellationToken), cancellationToken);

        public Task TerminateWorkflowAsync(string workflowId, string? runId = null, string? reason = null, CancellationToken cancellationToken = default) =>
            ThenPump(inner.TerminateWorkflowAsync(workflowId, runId, reason, cancellationToken), cancellationToken);

        public Task<IReadOnlyList<HistoryEvent>> GetWorkflowHistoryAsync(string workflowId, string? runId = null, CancellationToken cancellationToken = default) =>
            inner.GetWorkflowHistoryAsync(workflowId, runId, cancellationToken);

        public Task<WorkflowListPage> ListWorkflowsAsync(WorkflowListQuery query, CancellationToken cancellationToken = default) =>
            inner.ListWorkflowsAsync(query, cancellationToken);
    }
}
