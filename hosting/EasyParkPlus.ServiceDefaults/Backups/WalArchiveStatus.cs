using System.Buffers;

namespace EasyParkPlus.ServiceDefaults.Backups;

/// <summary>
/// What the server says about continuous WAL archiving (settings and <c>pg_stat_archiver</c>). <c>ReadAt</c> is the
/// server's clock; <c>Since</c> is when the archiver's counters started (their reset or the server's start, whichever
/// is later); <c>CurrentWal</c> is the WAL file holding the last WAL written, null while the server is in recovery.
/// </summary>
public sealed record WalArchiveSnapshot(
    DateTimeOffset ReadAt,
    bool ArchiveModeOn,
    TimeSpan ArchiveTimeout,
    bool InRecovery,
    long ArchivedCount,
    string? LastArchivedWal,
    DateTimeOffset? LastArchivedAt,
    long FailedCount,
    string? LastFailedWal,
    DateTimeOffset? LastFailedAt,
    DateTimeOffset Since,
    string? CurrentWal);

public enum WalArchiveHealth
{
    /// <summary>Archiving is on and keeping up.</summary>
    Ok,

    /// <summary>archive_mode is off: the database restores only to its last base backup.</summary>
    Off,

    /// <summary>The server is in recovery (a standby, or a restore running): archiving is the primary's job.</summary>
    InRecovery,

    /// <summary>The last attempt to archive failed and nothing was archived after it.</summary>
    Failing,

    /// <summary>WAL waits to be archived and nothing was archived for longer than the recovery point objective.</summary>
    Behind,
}

/// <summary>
/// A judged snapshot. <c>LastArchivedAge</c>: how long ago the last WAL file was archived (with none yet, since the
/// counters started). <c>WalWaiting</c>: WAL was written after the last archived file ended, so a lost disk would lose it.
/// </summary>
public sealed record WalArchiveAssessment(WalArchiveHealth Health, string Description, TimeSpan LastArchivedAge, bool WalWaiting);

public static class WalArchiveStatus
{
    private static readonly SearchValues<char> UpperHex = SearchValues.Create("0123456789ABCDEF");

    /// <summary>Judges a snapshot against the recovery point objective <paramref name="maxAge"/>.</summary>
    public static WalArchiveAssessment Assess(WalArchiveSnapshot s, TimeSpan maxAge)
    {
        var age = s.ReadAt - (s.LastArchivedAt ?? s.Since);
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }
        var waiting = WalWaiting(s);
        var last = s.LastArchivedWal is null ? "nothing archived yet" : $"last archived {s.LastArchivedWal} {Format(age)} ago";
        if (!s.ArchiveModeOn)
        {
            return new(WalArchiveHealth.Off, "WAL archiving is off (archive_mode): the database restores only to its last base backup.", age, waiting);
        }
        if (s.InRecovery)
        {
            return new(WalArchiveHealth.InRecovery, "The server is in recovery: archiving is the primary's job.", age, waiting);
        }
        if (s.FailedCount > 0 && s.LastFailedAt is { } failedAt && (s.LastArchivedAt is not { } archivedAt || failedAt > archivedAt))
        {
            return new(WalArchiveHealth.Failing,
                $"WAL archiving is failing: {s.FailedCount} failed attempts since {s.Since:u}, the last for {s.LastFailedWal} at {failedAt:u}; "
                + $"{last}. Check the archive folder (missing, full or not writable) and the server log.", age, waiting);
        }
        if (waiting && age > maxAge)
        {
            return new(WalArchiveHealth.Behind,
                $"No WAL archived for {Format(age)} while new WAL waits ({last}): the recovery point objective of {Format(maxAge)} is at risk.", age, waiting);
        }
        var failures = s.FailedCount > 0 ? $"; {s.FailedCount} failed attempts since {s.Since:u}, none since the last success" : "";
        return new(WalArchiveHealth.Ok,
            $"WAL archiving keeps up: {last}, a segment at least every {Format(s.ArchiveTimeout)} (archive_timeout){failures}.", age, waiting);
    }

    /// <summary>
    /// Whether WAL written after the last archived file ended is still waiting. WAL file names end in 16 hex digits of
    /// position, which grow across timelines; a history or backup-label file name says nothing about position, so then
    /// WAL counts as waiting and only the age decides.
    /// </summary>
    public static bool WalWaiting(WalArchiveSnapshot s)
    {
        if (Position(s.CurrentWal) is not { } current)
        {
            return false;
        }
        return Position(s.LastArchivedWal) is not { } archived || string.CompareOrdinal(current, archived) > 0;
    }

    // "000000010000000A000000FF" (timeline, log, segment), optionally with ".partial" or ".00000028.backup" after it.
    private static string? Position(string? walFile) =>
        walFile is { Length: >= 24 } && !walFile.AsSpan(0, 24).ContainsAnyExcept(UpperHex) && (walFile.Length == 24 || walFile[24] == '.')
            ? walFile.Substring(8, 16)
            : null;

    private static string Format(TimeSpan span) => span switch
    {
        { TotalSeconds: < 90 } => $"{span.TotalSeconds:0} s",
        { TotalMinutes: < 90 } => $"{span.TotalMinutes:0} min",
        _ => $"{span.TotalHours:0.#} h",
    };
}
