using EasyParkPlus.OcppGateway.Internal;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Ocpp;

/// <summary>
/// Which gateway instance holds each connected station's WebSocket (table gateway.station_owners). An instance claims a
/// station before it accepts the upgrade and releases only its own claim when the socket closes, so a station that
/// reconnected elsewhere keeps its new owner. A command for a station held by another instance is forwarded to that
/// instance's internal URL; no row means the station is offline (503).
/// </summary>
public interface IStationOwnership
{
    string InstanceId { get; }

    Task ClaimAsync(string stationId, CancellationToken cancellationToken);

    Task ReleaseAsync(string stationId, CancellationToken cancellationToken);

    /// <summary>The internal base URL of the other instance holding the station, or null (held here, or offline).</summary>
    Task<Uri?> FindOtherOwnerAsync(string stationId, CancellationToken cancellationToken);
}

public sealed class PostgresStationOwnership(NpgsqlDataSource dataSource, InternalListener listener, TimeProvider time, IOptions<GatewayOptions> options)
    : IStationOwnership
{
    private readonly string _instanceId = string.IsNullOrWhiteSpace(options.Value.InstanceId)
        ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}"
        : options.Value.InstanceId;

    public string InstanceId => _instanceId;

    public async Task ClaimAsync(string stationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO gateway.station_owners (station_id, instance_id, internal_url, claimed_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (station_id) DO UPDATE SET instance_id = excluded.instance_id, internal_url = excluded.internal_url, claimed_at = excluded.claimed_at
            """);
        command.Parameters.Add(new() { Value = stationId });
        command.Parameters.Add(new() { Value = _instanceId });
        command.Parameters.Add(new() { Value = InternalUrl().ToString() });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ReleaseAsync(string stationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM gateway.station_owners WHERE station_id = $1 AND instance_id = $2");
        command.Parameters.Add(new() { Value = stationId });
        command.Parameters.Add(new() { Value = _instanceId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Uri?> FindOtherOwnerAsync(string stationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT internal_url FROM gateway.station_owners WHERE station_id = $1 AND instance_id <> $2");
        command.Parameters.Add(new() { Value = stationId });
        command.Parameters.Add(new() { Value = _instanceId });
        return await command.ExecuteScalarAsync(cancellationToken) is string url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null;
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
}
