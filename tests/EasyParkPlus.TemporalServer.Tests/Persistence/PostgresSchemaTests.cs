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
}
