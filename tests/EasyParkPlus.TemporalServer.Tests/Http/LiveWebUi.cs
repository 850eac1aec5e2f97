using EasyParkPlus.TemporalServer.Cli;
using Microsoft.AspNetCore.Builder;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace EasyParkPlus.TemporalServer.Tests.Http;

/// <summary>
/// Our server in this process (gRPC on one loopback port, the Web UI's HTTP API on another, as <c>server start-dev</c>
/// runs them), an SDK client and a worker for <see cref="ParkedCar"/>: what the HTTP API's tests compare with gRPC.
/// </summary>
public sealed class LiveWebUi : IAsyncLifetime
{
    public const string TaskQueue = "webui-parity";
    public static readonly SearchAttributeKey<string> FacilityId = SearchAttributeKey.CreateKeyword("FacilityId");

    private WebApplication? _server;
    private WebApplication? _ui;
    private TemporalWorker? _worker;
    private Task? _working;
    private readonly CancellationTokenSource _stop = new();

    public TemporalClient Client { get; private set; } = null!;

    /// <summary>The UI port, serving the built UI (temporal-server/ui/build) when <c>./easypark ui_build</c> has run.</summary>
    public HttpClient Http { get; } = new();

    public async Task InitializeAsync()
    {
        var options = new ServerOptions
        {
            Port = 0,
            Namespaces = ["default"],
            SearchAttributes = new Dictionary<string, IndexedValueType> { ["FacilityId"] = IndexedValueType.Keyword },
        };
        (_server, var address) = await ServerHosting.StartAsync(options);
        _ui = await ServerHosting.StartWebUiAsync(_server.Services, new() { Port = 0 });
        Http.BaseAddress = ServerHosting.WebUiAddress(_ui);
        Client = await TemporalClient.ConnectAsync(new(address) { Namespace = "default" });
        _worker = new TemporalWorker(Client, new TemporalWorkerOptions(TaskQueue)
        {
            // The UI's call-stack page asks the workflow for its stack.
            WorkflowStackTrace = WorkflowStackTrace.Normal,
        }.AddWorkflow<ParkedCar>().AddAllActivities(new Gate()));
        _working = _worker.ExecuteAsync(_stop.Token);
    }

    /// <summary>Starts a car parked at <paramref name="facility"/> and returns once the run waits quietly (nothing changes until it is told).</summary>
    public async Task<WorkflowHandle<ParkedCar, string>> ParkAsync(string facility, bool waitAtTheGate = false)
    {
        var id = $"parked-{facility}-{Guid.NewGuid():N}";
        var handle = await Client.StartWorkflowAsync((ParkedCar wf) => wf.RunAsync(new(facility, waitAtTheGate)),
            new(id, TaskQueue) { TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(FacilityId, facility).ToSearchAttributeCollection() });
        // A started activity is not in the history until it ends (Temporal writes its started event then): ask describe.
        Func<Task<bool>> settled = waitAtTheGate
            ? async () => (await Client.WorkflowService.DescribeWorkflowExecutionAsync(new()
            {
                Namespace = Client.Options.Namespace,
                Execution = new() { WorkflowId = handle.Id, RunId = handle.ResultRunId ?? "" },
            })).PendingActivities.Any(a => a.State == PendingActivityState.Started)
            : async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.TimerStarted);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await settled())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, $"{id} should settle ({(waitAtTheGate ? "activity started" : "timer started")})");
            await Task.Delay(20);
        }
        return handle;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_working is not null)
        {
            await _working.ContinueWith(_ => { }, TaskScheduler.Default);
        }
        _worker?.Dispose();
        Http.Dispose();
        foreach (var app in new[] { _ui, _server })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        _stop.Dispose();
    }
}

public sealed record ParkedCarInput(string Facility, bool WaitAtTheGate);

/// <summary>A car that stays until it exits, for at most a day; one that waits at the gate also holds an activity open.</summary>
[Workflow]
public class ParkedCar
{
    private string? _exitGate;

    [WorkflowRun]
    public async Task<string> RunAsync(ParkedCarInput input)
    {
        if (input.WaitAtTheGate)
        {
            return await Workflow.ExecuteActivityAsync((Gate g) => g.OpenBarrierAsync(input.Facility),
                new() { StartToCloseTimeout = TimeSpan.FromHours(1), RetryPolicy = new() { MaximumAttempts = 1 } });
        }
        await Workflow.WaitConditionAsync(() => _exitGate is not null, TimeSpan.FromDays(1));
        return _exitGate ?? "stayed a day";
    }

    [WorkflowSignal]
    public Task VehicleExitedAsync(string gate)
    {
        _exitGate = gate;
        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public string State => _exitGate is null ? "parked" : $"exited at {_exitGate}";
}

public sealed class Gate
{
    /// <summary>A barrier that never reports back: the activity stays pending until its run is ended.</summary>
    [Activity]
    public async Task<string> OpenBarrierAsync(string facility)
    {
        await Task.Delay(Timeout.Infinite, ActivityExecutionContext.Current.CancellationToken);
        return facility;
    }
}
