using EasyParkPlus.Data;

namespace EasyParkPlus.Activities.Tests.Data;

public class MigrationTests
{
    [Fact]
    public async Task MigrateAsync_EmptyDatabase_AppliesEveryScriptAndCreatesTheContextSchemas()
    {
        await using var database = await DataTestDatabase.CreateAsync(migrate: false);

        var applied = await EasyParkDatabase.MigrateAsync(database.ConnectionString);

        applied.Should().Equal(EasyParkDatabase.MigrationIds);
        applied.Should().NotBeEmpty();
        foreach (var schema in Schemas.All)
        {
            (await database.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = $1)", schema)).Should().BeTrue(schema);
        }
        (await database.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = 'engine')")).Should().BeFalse();
    }

    [Fact]
    public async Task MigrateAsync_SecondRun_IsANoOp()
    {
        await using var database = await DataTestDatabase.CreateAsync();
        var tablesBefore = await database.ScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_schema = ANY($1)", (object)Schemas.All.ToArray());
        var historyBefore = await database.ScalarAsync<DateTime>($"SELECT max(applied_at) FROM {EasyParkDatabase.HistoryTable}");

        var applied = await EasyParkDatabase.MigrateAsync(database.DataSource);

        applied.Should().BeEmpty();
        (await database.ScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_schema = ANY($1)", (object)Schemas.All.ToArray())).Should().Be(tablesBefore);
        (await database.ScalarAsync<DateTime>($"SELECT max(applied_at) FROM {EasyParkDatabase.HistoryTable}")).Should().Be(historyBefore);
        (await database.ScalarAsync<long>($"SELECT count(*) FROM {EasyParkDatabase.HistoryTable}")).Should().Be(EasyParkDatabase.MigrationIds.Count);
    }

    [Fact]
    public async Task MigrateAsync_FiveProcessesStartingAtOnce_ApplyEachScriptExactlyOnce()
    {
        await using var database = await DataTestDatabase.CreateAsync(migrate: false);

        // Separate connection strings give separate pools, as separate processes would have.
        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(process =>
            Task.Run(() => EasyParkDatabase.MigrateAsync($"{database.ConnectionString};Application Name=process{process}"))));

        results.SelectMany(applied => applied).Order().Should().Equal(EasyParkDatabase.MigrationIds.Order());
        (await database.ScalarAsync<long>($"SELECT count(*) FROM {EasyParkDatabase.HistoryTable}")).Should().Be(EasyParkDatabase.MigrationIds.Count);
    }

    [Fact]
    public async Task MigrateAsync_AppliedScriptEditedLater_RefusesToRun()
    {
        await using var database = await DataTestDatabase.CreateAsync();
        await database.ExecuteAsync($"UPDATE {EasyParkDatabase.HistoryTable} SET checksum = 'edited'");

        var error = (await FluentActions.Awaiting(() => EasyParkDatabase.MigrateAsync(database.DataSource)).Should().ThrowExactlyAsync<InvalidOperationException>()).Which;

        error.Message.Should().Contain("was changed after it was applied");
    }
}
