using System.Collections.Concurrent;
using EasyParkPlus.TestSupport;
using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace EasyParkPlus.TemporalServer.Tests.Persistence;

/// <summary>Two server processes on one PostgreSQL database, with official SDK workers and clients.</summary>
public sealed class MultiProcessTests : IAsyncLifetime
{
    private readonly PostgresDatabaseFixture _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Workflow]
    public sealed class TwoStepWorkflow
    {
        [WorkflowRun]
        public async Task<string> RunAsync(string name)
        {
            var options = new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(30) };
            var first = await Workflow.ExecuteActivityAsync((Steps s) => s.Step(name, 1), options);
            var second = await Workflow.ExecuteActivityAsync((Steps s) => s.Step(name, 2), options);
            return first + second;
        }
    }

    public sealed class Steps(ConcurrentBag<(string Workflow, int Step, string Worker)> runs, string worker)
    {
        [Activity]
        public string Step(string name, int step)
        {
            runs.Add((name, step, worker));
            return step.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public async Task TwoServerProcesses_WorkersOnBoth_HandOutEachTaskExactlyOnce()
    {
        await using var a = await ServerProcess.StartAsync(_database.ConnectionString, TimeSpan.FromMilliseconds(200));
        await using var b = await ServerProcess.StartAsync(_database.ConnectionString, TimeSpan.FromMilliseconds(200));
        var clientA = await TemporalClient.ConnectAsync(new(a.Address) { Namespace = "default" });
        var clientB = await TemporalClient.ConnectAsync(new(b.Address) { Namespace = "default" });
        var runs = new ConcurrentBag<(string Workflow, int Step, string Worker)>();
        const string queue = "shared";
        using var workerA = new TemporalWorker(clientA, new TemporalWorkerOptions(queue).AddWorkflow<TwoStepWorkflow>().AddAllActivities(new Steps(runs, "a")));
        using var workerB = new TemporalWorker(clientB, new TemporalWorkerOptions(queue).AddWorkflow<TwoStepWorkflow>().AddAllActivities(new Steps(runs, "b")));
        var names = Enumerable.Range(0, 60).Select(i => $"wf-{i}").ToList();

        var results = await workerA.ExecuteAsync(() => workerB.ExecuteAsync(() => Task.WhenAll(names.Select((name, i) =>
            (i % 2 == 0 ? clientA : clientB).ExecuteWorkflowAsync((TwoStepWorkflow wf) => wf.RunAsync(name), new(name, queue))))));

        results.Should().AllBe("12");
        runs.Select(r => (r.Workflow, r.Step)).Should().OnlyHaveUniqueItems().And.HaveCount(120);
        runs.Select(r => r.Worker).Distinct().Should().HaveCount(2, "both servers' workers took tasks");
    }

    [Fact]
    public async Task StartOnOneServer_PollerOnlyOnTheOther_WokenByNotifyLongBeforeThePollFallback()
    {
        // The poll fallback is a minute: only the NOTIFY of the starting server can wake the other one's poller in time.
        await using var a = await ServerProcess.StartAsync(_database.ConnectionString, TimeSpan.FromMinutes(1));
        await using var b = await ServerProcess.StartAsync(_database.ConnectionString, TimeSpan.FromMinutes(1));
        var clientA = await TemporalClient.ConnectAsync(new(a.Address) { Namespace = "default" });
        var clientB = await TemporalClient.ConnectAsync(new(b.Address) { Namespace = "default" });
        var runs = new ConcurrentBag<(string Workflow, int Step, string Worker)>();
        using var worker = new TemporalWorker(clientA, new TemporalWorkerOptions("notify").AddWorkflow<TwoStepWorkflow>().AddAllActivities(new Steps(runs, "a")));

        await worker.ExecuteAsync(async () =>
        {
            await PollersSeenAsync(clientA, "notify");
            var result = await clientB.ExecuteWorkflowAsync((TwoStepWorkflow wf) => wf.RunAsync("woken"), new("woken", "notify"))
                .WaitAsync(TimeSpan.FromSeconds(20));
            result.Should().Be("12");
        });
    }

    // The start must go out while the worker's long poll waits on server A (a poll with a deadline, no sleep).
    private static async Task PollersSeenAsync(TemporalClient client, string queue)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var described = await client.Connection.WorkflowService.DescribeTaskQueueAsync(new()
            {
                Namespace = "default",
                TaskQueue = new() { Name = queue },
                TaskQueueType = Temporalio.Api.Enums.V1.TaskQueueType.Workflow,
            });
            if (described.Pollers.Count > 0 || DateTime.UtcNow > deadline)
            {
                described.Pollers.Should().NotBeEmpty();
                return;
            }
            await Task.Delay(50);
        }
    }
}
