using System.Collections.Concurrent;
using EasyParkPlus.Workflows.Charging;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;
using EasyParkPlus.Workflows.Subscriptions;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Client.Interceptors;
using Temporalio.Testing;
using Temporalio.Worker;

namespace EasyParkPlus.Workflows.Tests.Infrastructure;

/// <summary>
/// One test's view of the shared time-skipping server: a worker for the four business workflows and the test's fake
/// activities on a task queue of its own (so a workflow another test left running never reaches this test's fakes),
/// a client that remembers what it started, and the virtual clock. Disposing stops the worker and replays every closed
/// history the test produced with <see cref="WorkflowReplayer"/>, so each test also checks determinism.
/// </summary>
public sealed class WorkflowTestEnvironment : IAsyncDisposable
{
    private static readonly TimeSpan IdleDeadline = TimeSpan.FromSeconds(30);

    private readonly WorkflowEnvironment _server;
    private readonly StartedWorkflows _started;
    private readonly TemporalWorkerOptions _workerOptions;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _worker;

    private WorkflowTestEnvironment(WorkflowEnvironment server, Action<TemporalWorkerOptions> activities)
    {
        _server = server;
        _started = new StartedWorkflows(RunUntilIdleAsync);
        var options = (TemporalClientOptions)server.Client.Options.Clone();
        options.Interceptors = [.. options.Interceptors ?? [], _started];
        Client = new TemporalClient(server.Client.Connection, options);
        TaskQueue = $"easypark-{Guid.NewGuid():N}";
        _workerOptions = new TemporalWorkerOptions(TaskQueue)
            .AddWorkflow<ParkingSession>().AddWorkflow<Reservation>().AddWorkflow<ChargingSession>().AddWorkflow<SubscriptionRenewal>();
        activities(_workerOptions);
        Time = new VirtualTime(server);
        var worker = new TemporalWorker(Client, _workerOptions);
        _worker = RunWorkerAsync(worker, _stop.Token);
    }

    public static WorkflowTestEnvironment Start(TimeSkippingServer server, Action<TemporalWorkerOptions> activities) => new(server.Environment, activities);

    public ITemporalClient Client { get; }

    public string TaskQueue { get; }

    // The server's virtual time (GetCurrentTime), for inputs and expectations.
    public TimeProvider Time { get; }

    public WorkflowOptions Options(string workflowId) => new(workflowId, TaskQueue);

    /// <summary>Lets virtual time run ahead by <paramref name="duration"/>, doing every due timer's work on the way.</summary>
    public Task SkipTimeAsync(TimeSpan duration) => _server.DelayAsync(duration);

    /// <summary>
    /// Waits for a result without letting time skip meanwhile. An awaited result unlocks time skipping until the client
    /// locks it again, and in that moment the server jumps to the next timer of any other running workflow (an
    /// abandoned child charge's silence timeout, say), which a test of what happens next must not allow.
    /// </summary>
    public Task<T> WithoutTimeSkippingAsync<T>(Func<Task<T>> wait) => _server.WithAutoTimeSkippingDisabledAsync(wait);

    /// <summary>
    /// Waits until every workflow this test started (and their children) has no workflow task and no activity
    /// outstanding, polling the server's describe with a deadline; virtual time does not move meanwhile.
    /// </summary>
    public async Task RunUntilIdleAsync()
    {
        using var deadline = new CancellationTokenSource(IdleDeadline);
        while (!await IdleAsync())
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    private async Task<bool> IdleAsync()
    {
        var pending = new Queue<string>(_started.Ids.Distinct());
        var seen = new HashSet<string>();
        while (pending.TryDequeue(out var id))
        {
            if (!seen.Add(id))
            {
                continue;
            }
            var raw = await Client.WorkflowService.DescribeWorkflowExecutionAsync(new DescribeWorkflowExecutionRequest
            {
                Namespace = Client.Options.Namespace,
                Execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = id },
            });
            if (raw.PendingWorkflowTask is not null || raw.PendingActivities.Count > 0)
            {
                return false;
            }
            foreach (var child in raw.PendingChildren)
            {
                pending.Enqueue(child.WorkflowId);
            }
            foreach (var childId in await ChildrenStartedAsync(id))
            {
                pending.Enqueue(childId);
            }
        }
        return true;
    }

    private async Task<IEnumerable<string>> ChildrenStartedAsync(string workflowId)
    {
        var history = await Client.GetWorkflowHandle(workflowId).FetchHistoryAsync();
        return history.Events.Where(e => e.ChildWorkflowExecutionStartedEventAttributes is not null)
            .Select(e => e.ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution.WorkflowId);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _worker;
        _stop.Dispose();
        await TerminateRunningAsync();
        await ReplayAsync();
    }

    // A run left open (a car still parked, an abandoned child charge) would keep a workflow task outstanding on a queue
    // no worker polls any more, and an outstanding task holds the shared server's time skipping for every later test.
    private async Task TerminateRunningAsync()
    {
        var pending = new Queue<string>(_started.Ids.Distinct());
        var seen = new HashSet<string>();
        while (pending.TryDequeue(out var id))
        {
            if (!seen.Add(id))
            {
                continue;
            }
            foreach (var childId in await ChildrenStartedAsync(id))
            {
                pending.Enqueue(childId);
            }
            var handle = Client.GetWorkflowHandle(id);
            if ((await handle.DescribeAsync()).Status == WorkflowExecutionStatus.Running)
            {
                await handle.TerminateAsync("test finished");
            }
        }
    }

    private static async Task RunWorkerAsync(TemporalWorker worker, CancellationToken stop)
    {
        using (worker)
        {
            try
            {
                await worker.ExecuteAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }
    }

    // Every run this test produced (continued-as-new runs and children included) must replay on the current code.
    private async Task ReplayAsync()
    {
        var replayerOptions = new WorkflowReplayerOptions();
        foreach (var workflow in _workerOptions.Workflows)
        {
            replayerOptions.Workflows.Add(workflow);
        }
        var replayer = new WorkflowReplayer(replayerOptions);
        var pending = new Queue<(string Id, string? RunId)>(_started.Ids.Distinct().Select(id => (id, (string?)null)));
        var seen = new HashSet<(string, string?)>();
        while (pending.TryDequeue(out var next))
        {
            if (!seen.Add(next))
            {
                continue;
            }
            var handle = Client.GetWorkflowHandle(next.Id, next.RunId);
            var history = await handle.FetchHistoryAsync();
            foreach (var e in history.Events)
            {
                if (e.ChildWorkflowExecutionStartedEventAttributes is { } child)
                {
                    pending.Enqueue((child.WorkflowExecution.WorkflowId, child.WorkflowExecution.RunId));
                }
                if (e.WorkflowExecutionStartedEventAttributes is { ContinuedExecutionRunId.Length: > 0 } continued)
                {
                    pending.Enqueue((next.Id, continued.ContinuedExecutionRunId));
                }
            }
            var result = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);
            result.ReplayFailure.Should().BeNull($"the history of {next.Id} must replay on the current code");
        }
    }

    private sealed class VirtualTime(WorkflowEnvironment server) : TimeProvider
    {
        // Tests read the time synchronously (in signal payloads); the RPC runs off the test's synchronization context.
        public override DateTimeOffset GetUtcNow() =>
            new(Task.Run(server.GetCurrentTimeAsync).GetAwaiter().GetResult(), TimeSpan.Zero);
    }

    /// <summary>
    /// Remembers the ids of workflows a client starts, and lets a signal's work finish before the signal call returns,
    /// so a test observes what the signal did (as a gate or pay station would see the barrier move).
    /// </summary>
    private sealed class StartedWorkflows(Func<Task> settle) : IClientInterceptor
    {
        private readonly ConcurrentQueue<string> _ids = new();

        public IEnumerable<string> Ids => _ids;

        public Task SettleAsync() => settle();

        public ClientOutboundInterceptor InterceptClient(ClientOutboundInterceptor next) => new Outbound(next, this);

        private sealed class Outbound(ClientOutboundInterceptor next, StartedWorkflows owner) : ClientOutboundInterceptor(next)
        {
            public override async Task<WorkflowHandle<TWorkflow, TResult>> StartWorkflowAsync<TWorkflow, TResult>(StartWorkflowInput input)
            {
                owner._ids.Enqueue(input.Options.Id!);
                return await base.StartWorkflowAsync<TWorkflow, TResult>(input);
            }

            public override async Task SignalWorkflowAsync(SignalWorkflowInput input)
            {
                await base.SignalWorkflowAsync(input);
                await owner.SettleAsync();
            }
        }
    }
}

public static class TestClientExtensions
{
    // Signal-with-start as the gateway does it when a charger reports a transaction first.
    public static Task<WorkflowHandle<TWorkflow, TResult>> SignalWithStartWorkflowAsync<TWorkflow, TResult>(
        this ITemporalClient client, System.Linq.Expressions.Expression<Func<TWorkflow, Task<TResult>>> run,
        System.Linq.Expressions.Expression<Func<TWorkflow, Task>> signal, WorkflowOptions options)
    {
        options.SignalWithStart(signal);
        return client.StartWorkflowAsync(run, options);
    }
}

/// <summary>Times the server stamped: its virtual clock runs along with real time while work is outstanding.</summary>
public static class VirtualTimes
{
    // Our server keeps the Java test server's clock: while a task is outstanding virtual time moves with real time,
    // so a timer's work is stamped a few milliseconds after it fell due. Minutes apart is what the tests tell apart.
    public static readonly TimeSpan Precision = TimeSpan.FromSeconds(5);

    public static void ShouldBeAt(this DateTimeOffset? actual, DateTimeOffset expected) =>
        actual.Should().NotBeNull().And.BeCloseTo(expected, Precision);

    public static void ShouldBeAt(this DateTimeOffset actual, DateTimeOffset expected) => actual.Should().BeCloseTo(expected, Precision);

    public static void ShouldBeAt(this IEnumerable<DateTimeOffset> actual, params DateTimeOffset[] expected)
    {
        var times = actual.ToList();
        times.Should().HaveCount(expected.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            times[i].Should().BeCloseTo(expected[i], Precision, $"call {i} should be at {expected[i]:u}");
        }
    }
}
