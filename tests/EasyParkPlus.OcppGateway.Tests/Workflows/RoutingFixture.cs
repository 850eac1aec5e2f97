using EasyParkPlus.Data;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.Engine;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.OcppGateway.Workflows;
using EasyParkPlus.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EasyParkPlus.OcppGateway.Tests.Workflows;

// A migrated, seeded database and a gateway-side host with the workflow routing on it (the production sink).
// The gateway only starts and signals workflows (the api's workers run them), so the tests read what the routing
// wrote into the engine's history in PostgreSQL; no worker runs here.
public sealed class RoutingFixture : PostgresDatabaseFixture
{
    private IHost? _host;

    protected override string Prefix => "gaterouter";

    public IWorkflowClient Client => Started.Services.GetRequiredService<IWorkflowClient>();

    private IHost Started => _host ?? throw new InvalidOperationException("The routing host is not started yet.");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await EasyParkDatabase.MigrateAsync(ConnectionString);
        await EasyParkSeeder.SeedAsync(ConnectionString, new SeedOptions { LevelsPerFacility = 1, SpacesPerFacility = 4, EvSpacesPerFacility = 1, AccessibleSpacesPerFacility = 1, ChargersPerFacility = 1 });
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Postgres:ConnectionString"] = ConnectionString });
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
        await base.DisposeAsync();
    }

    // Hands an event to the sink the gateway's outboxes use, in a scope of its own as they do.
    public async Task DeliverAsync(Func<IDeviceEventSink, Task> deliver)
    {
        await using var scope = Started.Services.CreateAsyncScope();
        await deliver(scope.ServiceProvider.GetRequiredService<IDeviceEventSink>());
    }

    public async Task<T> QueryAsync<T>(Func<IServiceProvider, Task<T>> query)
    {
        await using var scope = Started.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider);
    }
}
