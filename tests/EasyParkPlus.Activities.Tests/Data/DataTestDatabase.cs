using EasyParkPlus.Data;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.TestSupport;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EasyParkPlus.Activities.Tests.Data;

// A fresh database per test, migrated and optionally seeded: the data tests change spaces and
// holds, so sharing one database between tests would make them depend on each other's order.
public sealed class DataTestDatabase : IAsyncDisposable
{
    private DataTestDatabase(string connectionString, NpgsqlDataSource dataSource)
    {
        ConnectionString = connectionString;
        DataSource = dataSource;
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public static async Task<DataTestDatabase> CreateAsync(SeedOptions? seed = null, bool migrate = true)
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("data");
        // Enough connections for the concurrency tests to really run side by side.
        var pooled = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 220 }.ConnectionString;
        var database = new DataTestDatabase(pooled, NpgsqlDataSource.Create(pooled));
        if (migrate)
        {
            await EasyParkDatabase.MigrateAsync(database.DataSource);
        }
        if (seed is not null)
        {
            await EasyParkSeeder.SeedAsync(database.DataSource, seed);
        }
        return database;
    }

    public EasyParkDbContext CreateContext() =>
        new(new DbContextOptionsBuilder<EasyParkDbContext>().UseNpgsql(DataSource).Options);

    public async Task<T> ScalarAsync<T>(string sql, params object[] values)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(ConnectionString);
    }
}
