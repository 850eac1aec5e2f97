using EasyParkPlus.DisasterRecovery.Tests.Support;
using Npgsql;

namespace EasyParkPlus.DisasterRecovery.Tests;

/// <summary>
/// <c>./easypark backup</c> and <c>restore</c> on their own (no api): the retention rule, and the restores the script
/// must refuse without harming what is there.
/// </summary>
public sealed class BackupScriptTests
{
    [Fact]
    public async Task Backup_ThreeTimesKeepingTwo_LeavesTheNewestTwoAndTheWalFromTheOlderOfThemOn()
    {
        await using var cluster = await DrillCluster.StartAsync(TimeSpan.FromSeconds(2));
        var keepTwo = new Dictionary<string, string> { ["EASYPARK_BACKUP_KEEP"] = "2" };
        var taken = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await ExecuteAsync(cluster, $"CREATE TABLE IF NOT EXISTS drill (n int); INSERT INTO drill VALUES ({i})");
            var backup = await cluster.RunScriptAsync(keepTwo, "backup");
            backup.ExitCode.Should().Be(0, backup.Log);
            taken.Add(backup.Value("EASYPARK_BACKUP"));
        }

        Directory.GetDirectories(Path.Combine(cluster.BackupFolder, "base")).Order().Should().Equal(taken.Skip(1));
        var oldestKept = File.ReadLines(Path.Combine(taken[1], "backup.info")).Single(l => l.StartsWith("start_wal=", StringComparison.Ordinal))["start_wal=".Length..];
        var segments = Directory.GetFiles(Path.Combine(cluster.BackupFolder, "wal"), "*.gz").Select(Path.GetFileName)
            .Where(f => f!.Length == 27).Select(f => f![..24]).ToList();
        segments.Should().NotBeEmpty().And.OnlyContain(s => string.CompareOrdinal(s.Substring(8), oldestKept.Substring(8)) >= 0,
            "WAL older than the oldest kept base backup can never be replayed");
    }

    [Fact]
    public async Task Restore_RunningClusterOrTimeBeforeEveryBackupOrBeyondTheArchive_RefusesAndLeavesTheClusterAsItWas()
    {
        await using var cluster = await DrillCluster.StartAsync(TimeSpan.FromSeconds(2));
        var beforeAnyBackup = DateTimeOffset.UtcNow;
        await ExecuteAsync(cluster, "CREATE TABLE drill (n int); INSERT INTO drill VALUES (1)");
        (await cluster.BackupAsync()).ExitCode.Should().Be(0);

        var whileRunning = await cluster.RestoreAsync();
        whileRunning.ExitCode.Should().NotBe(0);
        whileRunning.Log.Should().Contain("is running").And.Contain("stop it first");

        await cluster.RunScriptAsync(new Dictionary<string, string>(), "db", "stop");
        var tooEarly = await cluster.RestoreAsync(beforeAnyBackup);
        tooEarly.ExitCode.Should().NotBe(0);
        tooEarly.Log.Should().Contain("no base backup").And.Contain("completed before");

        var beyondTheArchive = await cluster.RestoreAsync(DateTimeOffset.UtcNow.AddHours(1));
        beyondTheArchive.ExitCode.Should().NotBe(0);
        beyondTheArchive.Log.Should().Contain("recovery ended before configured recovery target was reached").And.Contain("put the old cluster folder back");

        // The cluster that was there starts again with its data, untouched by the refused restores.
        await cluster.StartAgainAsync();
        (await ScalarAsync(cluster, "SELECT count(*) FROM drill")).Should().Be(1L);
    }

    private static async Task ExecuteAsync(DrillCluster cluster, string sql)
    {
        await using var db = NpgsqlDataSource.Create(cluster.ConnectionString);
        await using var command = db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(DrillCluster cluster, string sql)
    {
        await using var db = NpgsqlDataSource.Create(cluster.ConnectionString);
        await using var command = db.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }
}
