using EasyParkPlus.Data;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.OcppGateway.Workflows;
using EasyParkPlus.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Temporalio.Client;

namespace EasyParkPlus.OcppGateway.Tests.Workflows;

// A migrated, seeded database, a Temporal server of the fixture's own (ours) and a gateway-side host with the workflow
// routing on it (the production sink). The gateway only starts and signals workflows (the worker runs them), so the
// tests read what the routing wrote into the workflows' histories; no worker runs here.
public sealed class RoutingFixture : PostgresDatabaseFixture
{
    private IHost? _host;
    private TemporalTestServer? _temporal;

    protected override string Prefix => "gaterouter";

    public ITemporalClient Client => Started.Services.GetRequiredService<ITemporalClient>();

    private IHost Started => _host ?? throw new InvalidOperationException("The routing host is not started yet.");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await EasyParkDatabase.MigrateAsync(ConnectionString);
        await EasyParkSeeder.SeedAsync(ConnectionString, new SeedOptions { LevelsPerFacility = 1, SpacesPerFacility = 4, EvSpacesPerFacility = 1, AccessibleSpacesPerFacility = 1, ChargersPerFacility = 1 });
        _temporal = await TemporalTestServer.StartAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Postgres:ConnectionString"] = ConnectionString,
            ["Temporal:Address"] = _temporal.Address,
        });
        builder.AddWorkflowRouting();
        _host = builder.Build();
        await _host.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
        if (_temporal is not null)
        {
            await _temporal.DisposeAsync();
        }
        await base.DisposeAsync();
    }

    // Hands an event to the sink the gateway's outboxes use, in a scope of its own as they do.
    public async Task DeliverAsync(Func<IDeviceEventSink, Task> deliver)
    {
        await using var scope = Started.Services.CreateAsyncScope();
        await deliver(scope.ServiceProvider.GetRequiredService<IDeviceEventSink>());
    }

    /// <summary>The stay's row as its workflow writes it when it takes a space (no worker runs here to do it).</summary>
    public Task StayTookItsSpaceAsync(string workflowId, Guid sessionId, string facilityId, string plate, DateTimeOffset entryAt) =>
        ExecuteAsync("""
            INSERT INTO parking.parking_sessions (id, workflow_id, facility_id, plate, space_type, status, entry_device_at, entry_received_at)
            VALUES ($1, $2, $3, $4, 'regular', 'active', $5, $5)
            """, sessionId, workflowId, facilityId, plate, entryAt);

    public async Task<T> QueryAsync<T>(Func<IServiceProvider, Task<T>> query)
    {
        await using var scope = Started.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider);
    }
}
