using Npgsql;

namespace EasyParkPlus.ServiceDefaults.Backups;

/// <summary>Reads a <see cref="WalArchiveSnapshot"/> in one query any role may run (no superuser, no pg_monitor).</summary>
public static class WalArchiveReader
{
    private const string Sql = """
        SELECT now(),
               current_setting('archive_mode') <> 'off',
               (SELECT setting::int FROM pg_settings WHERE name = 'archive_timeout'),
               pg_is_in_recovery(),
               a.archived_count, a.last_archived_wal, a.last_archived_time,
               a.failed_count, a.last_failed_wal, a.last_failed_time,
               greatest(a.stats_reset, pg_postmaster_start_time()),
               CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_insert_lsn()) END
        FROM pg_stat_archiver a
        """;

    public static async Task<WalArchiveSnapshot> ReadAsync(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(Sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new WalArchiveSnapshot(
            ReadAt: reader.GetFieldValue<DateTimeOffset>(0),
            ArchiveModeOn: reader.GetBoolean(1),
            ArchiveTimeout: TimeSpan.FromSeconds(reader.GetInt32(2)),
            InRecovery: reader.GetBoolean(3),
            ArchivedCount: reader.GetInt64(4),
            LastArchivedWal: reader.IsDBNull(5) ? null : reader.GetString(5),
            LastArchivedAt: reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
            FailedCount: reader.GetInt64(7),
            LastFailedWal: reader.IsDBNull(8) ? null : reader.GetString(8),
            LastFailedAt: reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
            Since: reader.GetFieldValue<DateTimeOffset>(10),
            CurrentWal: reader.IsDBNull(11) ? null : reader.GetString(11));
    }
}
