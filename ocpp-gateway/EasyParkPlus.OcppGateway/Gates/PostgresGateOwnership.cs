using EasyParkPlus.OcppGateway.Internal;
using EasyParkPlus.OcppGateway.Ocpp;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Gates;

// Gate ownership in gates.gate_owners, next to the stations' gateway.station_owners and with the
// same instance identity (one process is one instance for chargers and gates): the id from
// IStationOwnership, the URL from Gateway:InternalUrl, else the address the internal command API listens on.
public sealed class PostgresGateOwnership(
    NpgsqlDataSource dataSource,
    IStationOwnership stations,
    InternalListener listener,
    TimeProvider time,
    IOptions<GatewayOptions> options) : IGateOwnership
{
    public async Task ClaimAsync(string gateId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO gates.gate_owners (gate_id, instance_id, internal_url, claimed_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (gate_id) DO UPDATE SET instance_id = excluded.instance_id, internal_url = excluded.internal_url, claimed_at = excluded.claimed_at
            """);
        command.Parameters.Add(new() { Value = gateId });
        command.Parameters.Add(new() { Value = stations.InstanceId });
        command.Parameters.Add(new() { Value = InternalUrl().ToString() });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // Only our own claim is removed: the gate may already have reconnected to another instance.
    public async Task ReleaseAsync(string gateId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM gates.gate_owners WHERE gate_id = $1 AND instance_id = $2");
        command.Parameters.Add(new() { Value = gateId });
        command.Parameters.Add(new() { Value = stations.InstanceId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Uri?> FindOtherOwnerAsync(string gateId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT internal_url FROM gates.gate_owners WHERE gate_id = $1 AND instance_id <> $2");
        command.Parameters.Add(new() { Value = gateId });
        command.Parameters.Add(new() { Value = stations.InstanceId });
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
