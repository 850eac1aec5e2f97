using System.Diagnostics;
using EasyParkPlus.Engine.Hosting;
using EasyParkPlus.Engine.Postgres;
using EasyParkPlus.Engine.Store;
using EasyParkPlus.Engine.Tests.Behaviour;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EasyParkPlus.Engine.Tests.Runtime;

/// <summary>Signals to a real hosted worker on PostgreSQL, from its own process and from a process without a worker.</summary>
public sealed class HostedSignalTests(EngineDatabaseFixture database) : IClassFixture<EngineDatabaseFixture>
{
    private const string Queue = "hosted-signals";

    [Fact]
    public async Task Signal_FromTheWorkersProcess_ReturnsWithTheReactionAlreadyCommitted()
    {
        using var worker = await StartHostAsync("worker-1", serveQueue: true);
        var client = worker.Services.GetRequiredService<IWorkflowClient>();
        var handle = await client.StartWorkflowAsync((Collector wf) => wf.RunAsync("gate"), new WorkflowOptions("hosted-eager-1", Queue));

        await handle.SignalAsync(wf => wf.AddAsync("plate AB-123"));
        await handle.SignalAsync(wf => wf.CloseAsync());

        // Read straight from the store: no worker loop had to run for the reactions to be there.
        var execution = await worker.Services.GetRequiredService<IWorkflowStore>().GetExecutionAsync("hosted-eager-1", null);
        Assert.Equal(WorkflowStatus.Completed, execution!.Status);
        Assert.Equal("plate AB-123", execution.Result?.GetString());
        var history = await handle.FetchHistoryAsync();
        Assert.Equal(["WorkflowExecutionSignaled", "WorkflowTaskCompleted", "WorkflowExecutionSignaled", "WorkflowTaskCompleted", "WorkflowExecutionCompleted"],
            history.TakeLast(5).Select(e => e.EventType));
    }

    [Fact]
    public async Task Signal_FromAProcessWithoutAWorker_WakesTheWorkerThroughNotify_LongBeforeItsIdlePoll()
    {
        using var worker = await StartHostAsync("worker-2", serveQueue: true);
        using var api = await StartHostAsync("api-2", serveQueue: false);
        var workerClient = worker.Services.GetRequiredService<IWorkflowClient>();
        await workerClient.StartWorkflowAsync((Collector wf) => wf.RunAsync("gate"), new WorkflowOptions("hosted-remote-1", Queue));
        await WaitUntilTheWorkerHearsNotificationsAsync(worker);

        var stopwatch = Stopwatch.StartNew();
        await api.Services.GetRequiredService<IWorkflowClient>().GetWorkflowHandle<Collector>("hosted-remote-1").SignalAsync(wf => wf.CloseAsync());
        var result = await workerClient.GetWorkflowHandle("hosted-remote-1").GetResultAsync<string>().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("", result);
        // The worker polls only every 5 minutes: only the notification can have woken it this soon.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"took {stopwatch.Elapsed.TotalSeconds:0.0} s");
        var history = await workerClient.GetWorkflowHandle("hosted-remote-1").FetchHistoryAsync();
        Assert.Equal(["WorkflowExecutionSignaled", "WorkflowTaskCompleted", "WorkflowExecutionCompleted"], history.TakeLast(3).Select(e => e.EventType));
    }

    private async Task<IHost> StartHostAsync(string identity, bool serveQueue)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(NpgsqlDataSource.Create(database.ConnectionString));
        var engine = builder.Services.AddWorkflowEngine(o =>
        {
            o.Identity = identity;
            o.IdlePollInterval = TimeSpan.FromMinutes(5);
        }).UsePostgres(migrate: false).AddWorkflow<Collector>();
        if (serveQueue)
        {
            engine.AddWorker(Queue);
        }
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>The listener connects in the background: send probes until the worker's store has heard one.</summary>
    private async Task WaitUntilTheWorkerHearsNotificationsAsync(IHost worker)
    {
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = worker.Services.GetRequiredService<PostgresWorkflowStore>();
        void OnWork(WorkNotice notice)
        {
            if (notice.Name == "probe")
            {
                heard.TrySetResult();
            }
        }
        store.WorkAvailable += OnWork;
        try
        {
            for (var probe = 0; probe < 200 && !heard.Task.IsCompleted; probe++)
            {
                await using var command = database.DataSource.CreateCommand("SELECT pg_notify('engine_work', 'q:probe')");
                await command.ExecuteNonQueryAsync();
                await Task.WhenAny(heard.Task, Task.Delay(TimeSpan.FromMilliseconds(50)));
            }
            Assert.True(heard.Task.IsCompleted, "the worker never heard a notification");
        }
        finally
        {
            store.WorkAvailable -= OnWork;
        }
    }
}
