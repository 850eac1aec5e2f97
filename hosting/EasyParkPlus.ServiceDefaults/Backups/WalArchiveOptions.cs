namespace EasyParkPlus.ServiceDefaults.Backups;

/// <summary>Bound from "WalArchive": how the api watches the database's continuous WAL archiving.</summary>
public sealed class WalArchiveOptions
{
    public const string Section = "WalArchive";

    /// <summary>Off where the platform archives by other means (a managed database): no readiness check, no monitor.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The recovery point objective: WAL waiting longer than this to be archived degrades readiness.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the monitor reads the archiver's state; unset means the server's archive_timeout (1 s to 1 min).</summary>
    public TimeSpan? CheckInterval { get; set; }

    internal static bool IsValid(WalArchiveOptions o) =>
        o.MaxAge > TimeSpan.Zero && (o.CheckInterval is null || o.CheckInterval > TimeSpan.Zero);
}
