using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.ServiceDefaults.Backups;

/// <summary>
/// Readiness detail for continuous archiving, read fresh from the server on every call. A failing or lagging archive is
/// Degraded, not Unhealthy: the api still serves, and taking it out of the load balancer would turn a backup problem
/// into an outage; the description says what is wrong and the data carries the numbers for dashboards.
/// </summary>
public sealed class WalArchiveHealthCheck(NpgsqlDataSource db, IOptions<WalArchiveOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        WalArchiveSnapshot snapshot;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            snapshot = await WalArchiveReader.ReadAsync(db, timeout.Token);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Degraded("WAL archive state unknown: " + ex.Message);
        }
        var assessment = WalArchiveStatus.Assess(snapshot, options.Value.MaxAge);
        var data = new Dictionary<string, object>
        {
            ["health"] = assessment.Health.ToString(),
            ["lastArchivedAgeSeconds"] = (long)assessment.LastArchivedAge.TotalSeconds,
            ["walWaiting"] = assessment.WalWaiting,
            ["archivedCount"] = snapshot.ArchivedCount,
            ["failedCount"] = snapshot.FailedCount,
            ["archiveTimeoutSeconds"] = (long)snapshot.ArchiveTimeout.TotalSeconds,
        };
        if (snapshot.LastArchivedWal is not null)
        {
            data["lastArchivedWal"] = snapshot.LastArchivedWal;
        }
        return assessment.Health is WalArchiveHealth.Ok or WalArchiveHealth.InRecovery
            ? HealthCheckResult.Healthy(assessment.Description, data)
            : HealthCheckResult.Degraded(assessment.Description, data: data);
    }
}
