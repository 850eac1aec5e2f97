using System.Collections.Concurrent;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Client.Interceptors;
using Temporalio.Worker;

namespace EasyParkPlus.TemporalConformance.Tests.Infrastructure;

/// <summary>The client and task queue a test's worker serves.</summary>
public sealed record WorkerContext(ITemporalClient Client, string TaskQueue)
{
    public WorkflowOptions Options(string? id = null) => new(id ?? $"wf-{Guid.NewGuid():N}", TaskQueue);
}

/// <summary>
/// Runs a test body with a worker on a task queue of its own (so tests can share one server), then replays every
/// history the body produced (each workflow it started, the runs it continued as new, and their children) with
/// <see cref="WorkflowReplayer"/>: a history our server wrote that the SDK would not replay fails the test.
/// </summary>
public static class WorkerRuns
{
    /// <param name="fixture">The server.</param>
    /// <param name="configure">Registers the worker's workflows and activities.</param>
    /// <param name="body">The test.</param>
    /// <param name="replay">False only where the workflow code itself cannot replay (a deliberate bug in it).</param>
    public static async Task RunAsync(this ServerFixture fixture, Action<TemporalWorkerOptions> configure, Func<WorkerContext, Task> body, bool replay = true)
    {
        var started = new StartedWorkflows();
        var options = (TemporalClientOptions)fixture.Client.Options.Clone();
        options.Interceptors = [.. options.Interceptors ?? [], started];
        var client = new TemporalClient(fixture.Client.Connection, options);
        var taskQueue = $"tq-{Guid.NewGuid():N}";
        var workerOptions = new TemporalWorkerOptions(taskQueue);
        configure(workerOptions);
        using (var worker = new TemporalWorker(client, workerOptions))
        {
            // A server that loses a task would leave GetResultAsync waiting forever: fail the test instead of hanging the suite.
            await worker.ExecuteAsync(() => body(new WorkerContext(client, taskQueue)).WaitAsync(TimeSpan.FromSeconds(60)));
        }
        if (replay)
        {
            await ReplayAsync(client, started.Ids, workerOptions.Workflows);
        }
    }

    /// <summary>Replays the histories of these workflows, of every run they continued into, and of their children.</summary>
    public static async Task ReplayAsync(ITemporalClient client, IEnumerable<string> workflowIds, IEnumerable<Temporalio.Workflows.WorkflowDefinition> workflows)
    {
        var replayerOptions = new WorkflowReplayerOptions();
        foreach (var workflow in workflows)
        {
            replayerOptions.Workflows.Add(workflow);
        }
        var replayer = new WorkflowReplayer(replayerOptions);
        var pending = new Queue<(string Id, string? RunId)>(workflowIds.Distinct().Select(id => (id, (string?)null)));
        var seen = new HashSet<(string, string?)>();
        while (pending.TryDequeue(out var next))
        {
            if (!seen.Add(next))
            {
                continue;
            }
            var handle = client.GetWorkflowHandle(next.Id, next.RunId);
            var desc = await handle.DescribeAsync();
            if (desc.Status == WorkflowExecutionStatus.Running)
            {
                continue;
            }
            // Walk the chain back to the first run.
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
            if (!replayerOptions.Workflows.Any(w => w.Name == desc.WorkflowType))
            {
                continue;
            }
            var result = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);
            result.ReplayFailure.Should().BeNull($"the history of {next.Id} ({desc.WorkflowType}) must replay");
        }
    }

    /// <summary>Remembers the ids of workflows a client starts.</summary>
    private sealed class StartedWorkflows : IClientInterceptor
    {
        private readonly ConcurrentQueue<string> _ids = new();

        public IEnumerable<string> Ids => _ids;

        public ClientOutboundInterceptor InterceptClient(ClientOutboundInterceptor next) => new Outbound(next, this);

        private sealed class Outbound(ClientOutboundInterceptor next, StartedWorkflows owner) : ClientOutboundInterceptor(next)
        {
            public override async Task<WorkflowHandle<TWorkflow, TResult>> StartWorkflowAsync<TWorkflow, TResult>(StartWorkflowInput input)
            {
                owner._ids.Enqueue(input.Options.Id!);
                return await base.StartWorkflowAsync<TWorkflow, TResult>(input);
            }
        }
    }
}
