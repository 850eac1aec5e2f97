using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace EasyParkPlus.DisasterRecovery.Tests.Support;

/// <summary>
/// A PostgreSQL cluster of the drill's own (not the suite's shared one: the drill destroys its data folder), run the
/// way an operator runs the embedded one: <c>./easypark db start|stop</c>, <c>backup</c> and <c>restore</c>, with the
/// cluster and backup folders and the archive timeout set through the environment.
/// </summary>
public sealed class DrillCluster : IAsyncDisposable
{
    private readonly string _folder;
    private readonly Dictionary<string, string> _environment;

    private DrillCluster(string folder, TimeSpan archiveTimeout)
    {
        _folder = folder;
        ArchiveTimeout = archiveTimeout;
        _environment = new()
        {
            ["EASYPARK_PG_DIR"] = Path.Combine(folder, "pg"),
            ["EASYPARK_BACKUP_DIR"] = Path.Combine(folder, "backups"),
            ["EASYPARK_ARCHIVE_TIMEOUT"] = ((int)archiveTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        };
    }

    public TimeSpan ArchiveTimeout { get; }

    /// <summary>Where the script put the cluster and the backups (it may move them where the postgres user can reach).</summary>
    public string DataFolder { get; private set; } = "";

    public string BackupFolder { get; private set; } = "";

    public string ConnectionString { get; private set; } = "";

    public static async Task<DrillCluster> StartAsync(TimeSpan archiveTimeout)
    {
        var folder = Path.Combine(Path.GetTempPath(), "easypark-drill-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var cluster = new DrillCluster(folder, archiveTimeout);
        try
        {
            await cluster.StartAgainAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary><c>./easypark db start</c>: on a fresh folder it creates the cluster; after a restore it starts the restored one.</summary>
    public async Task StartAgainAsync()
    {
        var started = await EasyparkScript.RunOrThrowAsync(_environment, "db", "start");
        ConnectionString = started.Value("EASYPARK_POSTGRES");
        DataFolder = started.Value("EASYPARK_PG_DIR");
        BackupFolder = started.Value("EASYPARK_BACKUP_DIR");
    }

    /// <summary><c>./easypark backup</c>, of the embedded cluster or (<paramref name="asServer"/>) of the server EASYPARK_POSTGRES names.</summary>
    public Task<ScriptResult> BackupAsync(bool asServer = false)
    {
        var environment = new Dictionary<string, string>(_environment);
        if (asServer)
        {
            environment["EASYPARK_POSTGRES"] = ConnectionString;
        }
        return EasyparkScript.RunOrThrowAsync(environment, "backup");
    }

    /// <summary><c>./easypark restore --to TIME</c>, or <c>--latest</c> without a time.</summary>
    public Task<ScriptResult> RestoreAsync(DateTimeOffset? to = null) =>
        EasyparkScript.RunAsync(_environment, to is { } time ? ["restore", "--to", time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff+00", CultureInfo.InvariantCulture)] : ["restore", "--latest"]);

    public Task<ScriptResult> RunScriptAsync(IReadOnlyDictionary<string, string> extra, params string[] args)
    {
        var environment = new Dictionary<string, string>(_environment);
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }
        return EasyparkScript.RunAsync(environment, args);
    }

    /// <summary>
    /// The disk is gone: the server stops at once, as on SIGQUIT (no checkpoint, no last archiving), and its data folder
    /// with everything not yet archived is deleted. Returns the moment of the loss.
    /// </summary>
    public async Task<DateTimeOffset> DestroyAsync()
    {
        var pid = int.Parse(File.ReadLines(Path.Combine(DataFolder, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        using (var quit = Process.Start("kill", ["-QUIT", pid.ToString(CultureInfo.InvariantCulture)]))
        {
            await quit.WaitForExitAsync();
        }
        var lostAt = DateTimeOffset.UtcNow;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Directory.Exists($"/proc/{pid}"))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"PostgreSQL (pid {pid}) did not stop on SIGQUIT.");
            }
            await Task.Delay(50);
        }
        NpgsqlConnection.ClearAllPools();
        Directory.Delete(DataFolder, recursive: true);
        return lostAt;
    }

    /// <summary>Polls the archiver until the WAL written so far is archived (a segment switch comes within the archive timeout).</summary>
    public async Task WaitUntilArchivedAsync()
    {
        await using var db = NpgsqlDataSource.Create(ConnectionString);
        await using var written = db.CreateCommand("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
        var segment = (string)(await written.ExecuteScalarAsync())!;
        var deadline = DateTime.UtcNow + ArchiveTimeout * 4 + TimeSpan.FromSeconds(30);
        while (true)
        {
            await using var archived = db.CreateCommand("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
            var last = (string)(await archived.ExecuteScalarAsync())!;
            if (last.Length >= 24 && string.CompareOrdinal(last.Substring(8, 16), segment.Substring(8, 16)) >= 0)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"WAL segment {segment} was not archived in time; last archived: {last}");
            }
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await EasyparkScript.RunAsync(_environment, "db", "stop");
        Directory.Delete(_folder, recursive: true);
        if (DataFolder.Length > 0 && !DataFolder.StartsWith(_folder, StringComparison.Ordinal) && Directory.Exists(DataFolder))
        {
            Directory.Delete(DataFolder, recursive: true);
        }
        if (BackupFolder.Length > 0 && !BackupFolder.StartsWith(_folder, StringComparison.Ordinal) && Directory.Exists(BackupFolder))
        {
            Directory.Delete(BackupFolder, recursive: true);
        }
    }
}
