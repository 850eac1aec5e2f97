using EasyParkPlus.Data;

namespace EasyParkPlus.Activities.Tests.Data;

public class MigrationTests
{
    [Fact]
    public async Task MigrateAsync_EmptyDatabase_AppliesEveryScriptAndCreatesTheContextSchemas()
    {
        await using var database = await DataTestDatabase.CreateAsync(migrate: false);

        var applied = await EasyParkDatabase.MigrateAsync(database.ConnectionString);

        Assert.Equal(EasyParkDatabase.MigrationIds, applied);
        Assert.NotEmpty(applied);
        foreach (var schema in Schemas.All)
        {
            Assert.True(await database.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = $1)", schema), schema);
        }
        Assert.False(await database.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = 'engine')"));
    }

    [Fact]
    public async Task MigrateAsync_SecondRun_IsANoOp()
    {
        await using var database = await DataTestDatabase.CreateAsync();
        var tablesBefore = await database.ScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_schema = ANY($1)", (object)Schemas.All.ToArray());
        var historyBefore = await database.ScalarAsync<DateTime>($"SELECT max(applied_at) FROM {EasyParkDatabase.HistoryTable}");

        var applied = await EasyParkDatabase.MigrateAsync(database.DataSource);

        Assert.Empty(applied);
        Assert.Equal(tablesBefore, await database.ScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_schema = ANY($1)", (object)Schemas.All.ToArray()));
        Assert.Equal(historyBefore, await database.ScalarAsync<DateTime>($"SELECT max(applied_at) FROM {EasyParkDatabase.HistoryTable}"));
        Assert.Equal(EasyParkDatabase.MigrationIds.Count, await database.ScalarAsync<long>($"SELECT count(*) FROM {EasyParkDatabase.HistoryTable}"));
    }

    [Fact]
    public async Task MigrateAsync_FiveProcessesStartingAtOnce_ApplyEachScriptExactlyOnce()
    {
        await using var database = await DataTestDatabase.CreateAsync(migrate: false);

        // Separate connection strings give separate pools, as separate processes would have.
        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(process =>
            Task.Run(() => EasyParkDatabase.MigrateAsync($"{database.ConnectionString};Application Name=process{process}"))));

        Assert.Equal(EasyParkDatabase.MigrationIds.Order(), results.SelectMany(applied => applied).Order());
        Assert.Equal(EasyParkDatabase.MigrationIds.Count, await database.ScalarAsync<long>($"SELECT count(*) FROM {EasyParkDatabase.HistoryTable}"));
    }

    [Fact]
    public async Task MigrateAsync_AppliedScriptEditedLater_RefusesToRun()
    {
        await using var database = await DataTestDatabase.CreateAsync();
        await database.ExecuteAsync($"UPDATE {EasyParkDatabase.HistoryTable} SET checksum = 'edited'");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => EasyParkDatabase.MigrateAsync(database.DataSource));

        Assert.Contains("was changed after it was applied", error.Message, StringComparison.Ordinal);
    }
}
