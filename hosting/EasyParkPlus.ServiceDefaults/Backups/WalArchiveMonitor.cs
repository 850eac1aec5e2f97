using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.ServiceDefaults.Backups;

/// <summary>
/// Reads the archiver's state once per archive interval (the server's archive_timeout unless configured), logs when
/// archiving starts failing, falls behind or recovers, and publishes the age of the last archived WAL file and the
/// failure count as metrics (meter <see cref="MeterName"/>). PostgreSQL signals no archive failure to clients, so
/// sampling is the only way to see one.
/// </summary>
public sealed partial class WalArchiveMonitor : BackgroundService
{
    public const string MeterName = "EasyParkPlus.Backups";

    private static readonly TimeSpan MaxInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromSeconds(30);

    private readonly NpgsqlDataSource _db;
    private readonly WalArchiveOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WalArchiveMonitor> _logger;
    private volatile Observation? _last;

    public WalArchiveMonitor(NpgsqlDataSource db, IOptions<WalArchiveOptions> options, TimeProvider time, IMeterFactory meters, ILogger<WalArchiveMonitor> logger)
    {
        _db = db;
        _options = options.Value;
        _time = time;
        _logger = logger;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("easypark.wal_archive.last_archived_age", () => Measure(o => o.Assessment.LastArchivedAge.TotalSeconds), "s",
            "Time since the database last archived a WAL file (or since its archiver counters started, with none yet).");
        meter.CreateObservableCounter("easypark.wal_archive.failures", () => Measure(o => o.Snapshot.FailedCount), "{attempt}",
            "Failed attempts to archive a WAL file since the archiver's counters started.");
    }

    private sealed record Observation(WalArchiveSnapshot Snapshot, WalArchiveAssessment Assessment);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var snapshot = await WalArchiveReader.ReadAsync(_db, stoppingToken);
                var current = new Observation(snapshot, WalArchiveStatus.Assess(snapshot, _options.MaxAge));
                Report(_last, current);
                _last = current;
                wait = _options.CheckInterval ?? Clamp(snapshot.ArchiveTimeout);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // The postgres readiness check reports an unreachable database; try again later.
                Log.Unreadable(_logger, ex.Message);
                wait = RetryAfterError;
            }
            try
            {
                await Task.Delay(wait, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Report(Observation? previous, Observation current)
    {
        var (s, a) = (current.Snapshot, current.Assessment);
        switch (a.Health)
        {
            case WalArchiveHealth.Off when previous?.Assessment.Health != WalArchiveHealth.Off:
                Log.ArchivingOff(_logger);
                break;
            // Once per interval while attempts keep failing, so the log shows how long it lasted.
            case WalArchiveHealth.Failing when previous?.Assessment.Health != WalArchiveHealth.Failing || s.FailedCount > previous.Snapshot.FailedCount:
                Log.ArchivingFailing(_logger, s.FailedCount, s.LastFailedWal, s.LastFailedAt, s.LastArchivedWal, s.LastArchivedAt);
                break;
            case WalArchiveHealth.Behind when previous?.Assessment.Health != WalArchiveHealth.Behind:
                Log.ArchivingBehind(_logger, (long)a.LastArchivedAge.TotalSeconds, s.LastArchivedWal, (long)_options.MaxAge.TotalSeconds);
                break;
            case WalArchiveHealth.Ok when previous?.Assessment.Health is WalArchiveHealth.Failing or WalArchiveHealth.Behind:
                Log.ArchivingRecovered(_logger, s.LastArchivedWal, s.LastArchivedAt);
                break;
        }
    }

    private IEnumerable<Measurement<T>> Measure<T>(Func<Observation, T> value)
        where T : struct => _last is { Snapshot.ArchiveModeOn: true } last ? [new Measurement<T>(value(last))] : [];

    private static TimeSpan Clamp(TimeSpan archiveTimeout) =>
        archiveTimeout <= TimeSpan.Zero || archiveTimeout > MaxInterval ? MaxInterval
        : archiveTimeout < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : archiveTimeout;

    // EventIds 9000-9019 belong to the WAL archive monitor.
    private static partial class Log
    {
        [LoggerMessage(EventId = 9000, Level = LogLevel.Warning,
            Message = "WAL archiving is off (archive_mode): the database can be restored only to its last base backup. See the README, Operations.")]
        public static partial void ArchivingOff(ILogger logger);

        [LoggerMessage(EventId = 9001, Level = LogLevel.Error,
            Message = "WAL archiving is failing: {FailedCount} failed attempts, the last for {LastFailedWal} at {LastFailedAt}; last archived {LastArchivedWal} at {LastArchivedAt}. The recovery point objective is at risk until the archive folder is fixed.")]
        public static partial void ArchivingFailing(ILogger logger, long failedCount, string? lastFailedWal, DateTimeOffset? lastFailedAt, string? lastArchivedWal, DateTimeOffset? lastArchivedAt);

        [LoggerMessage(EventId = 9002, Level = LogLevel.Warning,
            Message = "No WAL archived for {AgeSeconds} s while new WAL waits (last archived {LastArchivedWal}): the recovery point objective of {MaxAgeSeconds} s is at risk.")]
        public static partial void ArchivingBehind(ILogger logger, long ageSeconds, string? lastArchivedWal, long maxAgeSeconds);

        [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "WAL archiving recovered: {LastArchivedWal} archived at {LastArchivedAt}.")]
        public static partial void ArchivingRecovered(ILogger logger, string? lastArchivedWal, DateTimeOffset? lastArchivedAt);

        [LoggerMessage(EventId = 9004, Level = LogLevel.Debug, Message = "Could not read the WAL archiver's state: {Reason}")]
        public static partial void Unreadable(ILogger logger, string reason);
    }
}
