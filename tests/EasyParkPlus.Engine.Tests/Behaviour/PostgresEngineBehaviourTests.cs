using EasyParkPlus.Engine.Postgres;
using EasyParkPlus.Engine.Store;
using EasyParkPlus.TestSupport;
using Npgsql;

namespace EasyParkPlus.Engine.Tests.Behaviour;

/// <summary>A fresh engine schema in the suite's own database; each test cleans the tables it shares.</summary>
public sealed class EngineDatabaseFixture : PostgresDatabaseFixture
{
    protected override string Prefix => "engine";

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        DataSource = NpgsqlDataSource.Create(ConnectionString);
        await PostgresSchema.MigrateAsync(DataSource);
    }

    public override async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await base.DisposeAsync();
    }
}

[Collection(nameof(PostgresEngineBehaviourTests))]
public sealed class PostgresEngineBehaviourTests(EngineDatabaseFixture database) : EngineBehaviourSuite, IClassFixture<EngineDatabaseFixture>
{
    protected override TimeSpan WallTimeForAMonth => TimeSpan.FromSeconds(5);

    protected override async Task<IWorkflowStore> CreateStoreAsync()
    {
        // Tests of a class run one after another, and ids are unique per test, but leftovers such as due timers
        // would leak into the next test's clock: start each test from empty tables.
        await using var command = database.DataSource.CreateCommand(
            "TRUNCATE engine.executions, engine.history, engine.workflow_tasks, engine.activity_tasks, engine.timers, engine.signal_requests, engine.close_watchers");
        await command.ExecuteNonQueryAsync();
        return new PostgresWorkflowStore(database.DataSource, "test-process");
    }
}
