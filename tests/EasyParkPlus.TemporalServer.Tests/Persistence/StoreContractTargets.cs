using EasyParkPlus.TemporalServer.Persistence;
using EasyParkPlus.TemporalServer.Persistence.InMemory;
using EasyParkPlus.TemporalServer.Persistence.Postgres;
using EasyParkPlus.TestSupport;

namespace EasyParkPlus.TemporalServer.Tests.Persistence;

/// <summary>The store contract on the in-memory store.</summary>
public sealed class InMemoryStoreContractTests : StoreContractTests
{
    protected override IServerStore Store { get; } = new InMemoryServerStore();
}

/// <summary>The store contract on PostgreSQL (one database for the class, migrated as the server does at start).</summary>
public sealed class PostgresStoreContractTests(PostgresStoreDatabase database) : StoreContractTests, IClassFixture<PostgresStoreDatabase>
{
    protected override IServerStore Store => database.Store;
}

/// <summary>A fresh database with the server's schema, and a store on it.</summary>
public sealed class PostgresStoreDatabase : PostgresDatabaseFixture
{
    private Npgsql.NpgsqlDataSource? _dataSource;

    public PostgresServerStore Store { get; private set; } = null!;

    protected override string Prefix => "serverstore";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _dataSource = PostgresServerStore.CreateDataSource(ConnectionString);
        await PostgresSchema.MigrateAsync(_dataSource, CancellationToken.None);
        Store = new PostgresServerStore(_dataSource);
    }

    public override async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}
