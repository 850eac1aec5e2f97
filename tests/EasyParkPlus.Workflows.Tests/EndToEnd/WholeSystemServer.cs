using EasyParkPlus.TestSupport;

namespace EasyParkPlus.Workflows.Tests.EndToEnd;

/// <summary>
/// One Temporal server process for the whole-system tests (ours, <c>server start-dev --store postgres</c>, as
/// `./easypark run` starts it), its state in a database of its own; each test's <see cref="ParkingSystem"/> keeps its
/// business data in its own database and its workflows on a task queue of its own.
/// </summary>
public sealed class WholeSystemServer : IAsyncLifetime
{
    private string? _database;

    public TemporalDevServer Temporal { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync("temporal_e2e");
        // With its Web UI, which the browser journey (WebUiJourneyTests) opens.
        Temporal = await TemporalDevServer.StartAsync(_database, webUi: true);
    }

    public async Task DisposeAsync()
    {
        if (Temporal is not null)
        {
            await Temporal.DisposeAsync();
        }
        if (_database is not null)
        {
            await TestPostgres.DropDatabaseAsync(_database);
        }
    }
}

// The tests in it run one after another: a 200-vehicle rush beside a cold start of three service processes left the
// latter's first gate command late on 2 cores. And the collection runs alone, after the time-skipping tests: beside it,
// under load, a time-skipping charging scenario saw its timers fire before its signals were handled (captured 0, not 1250).
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WholeSystemCollection : ICollectionFixture<WholeSystemServer>
{
    public const string Name = "whole system on PostgreSQL";
}
