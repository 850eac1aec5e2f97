using EasyParkPlus.TemporalServer.Persistence.Postgres;
using EasyParkPlus.TestSupport;

namespace EasyParkPlus.TemporalServer.Tests.Persistence;

public sealed class PostgresSchemaTests : IClassFixture<PostgresDatabaseFixture>
{
    private readonly PostgresDatabaseFixture _database;

    public PostgresSchemaTests(PostgresDatabaseFixture database) => _database = database;

    [Fact]
    public async Task MigrateAsync_FourProcessesStartingAtOnce_ApplyEachScriptOnce()
    {
        var sources = Enumerable.Range(0, 4).Select(_ => PostgresServerStore.CreateDataSource(_database.ConnectionString)).ToList();
        try
        {
            await Task.WhenAll(sources.Select(s => Task.Run(() => PostgresSchema.MigrateAsync(s, CancellationToken.None))));

            var versions = await _database.RowsAsync("SELECT version FROM temporal.schema_version ORDER BY version");
            versions.Select(r => (int)r[0]!).Should().Equal(1, 2);
            (await _database.ScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'temporal'")).Should().Be(9);
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MigrateAsync_ConnectionBackInPoolUnreset_HoldsNoAdvisoryLock()
    {
        // The store's pool does not reset connections on return (no RESET ALL / pg_advisory_unlock_all between uses):
        // the migration's lock must be released by the migration itself, while its connection idles in the pool.
        await using var source = PostgresServerStore.CreateDataSource(_database.ConnectionString);
        new Npgsql.NpgsqlConnectionStringBuilder(source.ConnectionString).NoResetOnClose.Should().BeTrue();

        await PostgresSchema.MigrateAsync(source, CancellationToken.None);

        // The pool's one idle connection is the migration's own.
        await using var command = source.CreateCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()");
        ((long)(await command.ExecuteScalarAsync())!).Should().Be(0);
        (await _database.ScalarAsync<long>("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))
            .Should().Be(0);
    }
}
