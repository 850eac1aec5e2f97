using EasyParkPlus.OcppGateway.Internal;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Devices;

public enum DeviceKind { Station, Gate }

/// <summary>
/// Which gateway instance holds each connected device's socket, stations and gates alike (gateway.device_owners). An
/// instance claims a device before it accepts the upgrade, renews its claims while it runs, and releases only its own
/// claim when the socket closes, so a device that reconnected elsewhere keeps its new owner. A command for a device
/// held by another instance is forwarded to that instance's internal URL. No claim, or one its instance stopped
/// renewing (Gateway:OwnershipLease), means the device is offline.
/// </summary>
public interface IDeviceOwnership
{
    string InstanceId { get; }

    Task ClaimAsync(DeviceKind kind, string deviceId, CancellationToken cancellationToken);

    Task ReleaseAsync(DeviceKind kind, string deviceId, CancellationToken cancellationToken);

    /// <summary>The internal base URL of the other live instance holding the device, or null (held here, or offline).</summary>
    Task<Uri?> FindOtherOwnerAsync(DeviceKind kind, string deviceId, CancellationToken cancellationToken);
}

public sealed partial class DeviceOwnership(NpgsqlDataSource dataSource, InternalListener listener, TimeProvider time,
    IOptions<GatewayOptions> options, ILogger<DeviceOwnership> logger) : BackgroundService, IDeviceOwnership
{
    private readonly string _instanceId = string.IsNullOrWhiteSpace(options.Value.InstanceId)
        ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}"
        : options.Value.InstanceId;

    public string InstanceId => _instanceId;

    /// <summary>The SQL condition for a claim that still counts at <c>$now</c> (a parameter) under the lease.</summary>
    public static string Live(string claimedAt, string now, string lease) => $"{claimedAt} > {now} - {lease}";

    public async Task ClaimAsync(DeviceKind kind, string deviceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO gateway.device_owners (kind, device_id, instance_id, internal_url, claimed_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (kind, device_id) DO UPDATE
            SET instance_id = excluded.instance_id, internal_url = excluded.internal_url, claimed_at = excluded.claimed_at
            """);
        command.Parameters.Add(new() { Value = Kind(kind) });
        command.Parameters.Add(new() { Value = deviceId });
        command.Parameters.Add(new() { Value = _instanceId });
        command.Parameters.Add(new() { Value = InternalUrl().ToString() });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ReleaseAsync(DeviceKind kind, string deviceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM gateway.device_owners WHERE kind = $1 AND device_id = $2 AND instance_id = $3");
        command.Parameters.Add(new() { Value = Kind(kind) });
        command.Parameters.Add(new() { Value = deviceId });
        command.Parameters.Add(new() { Value = _instanceId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Uri?> FindOtherOwnerAsync(DeviceKind kind, string deviceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT internal_url FROM gateway.device_owners
            WHERE kind = $1 AND device_id = $2 AND instance_id <> $3 AND {Live("claimed_at", "$4", "$5")}
            """);
        command.Parameters.Add(new() { Value = Kind(kind) });
        command.Parameters.Add(new() { Value = deviceId });
        command.Parameters.Add(new() { Value = _instanceId });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        command.Parameters.Add(new() { Value = options.Value.OwnershipLease });
        return await command.ExecuteScalarAsync(cancellationToken) is string url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null;
    }

    public static string Kind(DeviceKind kind) => kind == DeviceKind.Station ? "station" : "gate";

    // Renews this instance's claims a few times per lease, so they outlive it only if the process dies.
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = options.Value.OwnershipLease / 3;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, time, stoppingToken);
                await using var command = dataSource.CreateCommand("UPDATE gateway.device_owners SET claimed_at = $2 WHERE instance_id = $1");
                command.Parameters.Add(new() { Value = _instanceId });
                command.Parameters.Add(new() { Value = time.GetUtcNow() });
                await command.ExecuteNonQueryAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database may be briefly unreachable; the next round renews (the lease spans three).
                RenewFailed(logger, ex);
            }
        }
    }

    private Uri InternalUrl()
    {
        var configured = options.Value.InternalUrl;
        if (string.IsNullOrWhiteSpace(configured))
        {
            configured = listener.BoundUrl?.ToString()
                ?? throw new InvalidOperationException("Set Gateway:InternalUrl: the internal command API has no address to advertise yet.");
        }
        return new Uri(configured.TrimEnd('/') + "/", UriKind.Absolute);
    }

    [LoggerMessage(6102, LogLevel.Warning, "Renewing this instance's device ownership claims failed")]
    private static partial void RenewFailed(ILogger logger, Exception exception);
}
