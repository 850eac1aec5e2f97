using EasyParkPlus.Data;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.Engine;
using EasyParkPlus.Engine.Store;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.OcppGateway.Workflows;
using EasyParkPlus.TestSupport;
using EasyParkPlus.Workflows.Parking;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EasyParkPlus.OcppGateway.Tests.Workflows;

public sealed class RouterDatabaseFixture : PostgresDatabaseFixture
{
    protected override string Prefix => "gaterouter";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await EasyParkDatabase.MigrateAsync(ConnectionString);
        await EasyParkSeeder.SeedAsync(ConnectionString, new SeedOptions { LevelsPerFacility = 1, SpacesPerFacility = 4, EvSpacesPerFacility = 1, AccessibleSpacesPerFacility = 1, ChargersPerFacility = 1 });
    }
}

// The gateway only starts and signals workflows (the api's workers run them), so these tests read what the router
// wrote into the engine's history in PostgreSQL; no worker runs here.
public sealed class GateEventRouterTests(RouterDatabaseFixture database) : IClassFixture<RouterDatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Morning = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Postgres:ConnectionString"] = database.ConnectionString });
        builder.AddWorkflowRouting();
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private async Task RouteAsync(GateVehicleDetected detected)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<GateEventRouter>().RouteAsync(detected, CancellationToken.None);
    }

    private IWorkflowClient Client => _host.Services.GetRequiredService<IWorkflowClient>();

    [Fact]
    public async Task An_entry_starts_one_parking_session_even_when_delivered_twice_and_the_exit_signals_it_once()
    {
        var entry = new GateVehicleDetected("evt-entry-1", "BOS-GATE-IN-01", "BOS", GateEventDirection.Entry, "ab 123-cd", Morning, "photo-1");
        await RouteAsync(entry);
        await RouteAsync(entry);

        var workflowId = ParkingWorkflowIds.ForSession(GateEventRouter.SessionIdFor("evt-entry-1"));
        var runs = await Client.ListWorkflowsAsync(new WorkflowListQuery { WorkflowType = nameof(ParkingSession), WorkflowIdPrefix = workflowId });
        var run = Assert.Single(runs.Executions);
        Assert.Equal(WorkflowStatus.Running, run.Status);
        var started = Assert.IsType<WorkflowExecutionStarted>((await Client.GetWorkflowHistoryAsync(workflowId))[0].Attributes);
        var input = started.Input.GetRawText();
        Assert.Contains(GateEventRouter.SessionIdFor("evt-entry-1").ToString(), input, StringComparison.Ordinal);
        Assert.Contains("\"AB123CD\"", input, StringComparison.Ordinal);
        Assert.Contains("2026-12-07T08:00:00", input, StringComparison.Ordinal);

        var exit = new GateVehicleDetected("evt-exit-1", "BOS-GATE-OUT-01", "BOS", GateEventDirection.Exit, "AB123CD", Morning.AddHours(2), null);
        await RouteAsync(exit);
        await RouteAsync(exit);
        var signals = (await Client.GetWorkflowHistoryAsync(workflowId)).Select(e => e.Attributes).OfType<WorkflowExecutionSignaled>().ToList();
        var signal = Assert.Single(signals);
        Assert.Equal("VehicleExited", signal.SignalName);
        Assert.Contains("2026-12-07T10:00:00", signal.Input.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_exit_without_a_running_session_throws_so_the_event_stays_pending()
    {
        var exit = new GateVehicleDetected("evt-exit-orphan", "BOS-GATE-OUT-01", "BOS", GateEventDirection.Exit, "ZZ999", Morning, null);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RouteAsync(exit));
        Assert.Contains("ZZ999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreadable_plate_starts_nothing()
    {
        await RouteAsync(new GateVehicleDetected("evt-unreadable", "BOS-GATE-IN-01", "BOS", GateEventDirection.Entry, "--", Morning, null));
        var workflowId = ParkingWorkflowIds.ForSession(GateEventRouter.SessionIdFor("evt-unreadable"));
        var runs = await Client.ListWorkflowsAsync(new WorkflowListQuery { WorkflowIdPrefix = workflowId });
        Assert.Empty(runs.Executions);
    }
}
