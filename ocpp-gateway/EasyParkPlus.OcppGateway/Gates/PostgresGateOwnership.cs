using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Gates;

// Gate ownership in gates.gate_owners. This instance is known by Gates:InstanceId and reachable
// at Gates:InternalUrl; without one configured, the first address Kestrel listens on is used
// (right for one host or a local test, set it explicitly behind a load balancer).
public sealed class PostgresGateOwnership(NpgsqlDataSource dataSource, IServer server, TimeProvider time, IOptions<GateOptions> options)
    : IGateOwnership
{
    private readonly string _instanceId = string.IsNullOrWhiteSpace(options.Value.InstanceId)
        ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}"
        : options.Value.InstanceId;

    public string InstanceId => _instanceId;

    public async Task ClaimAsync(string gateId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO gates.gate_owners (gate_id, instance_id, internal_url, claimed_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (gate_id) DO UPDATE SET instance_id = excluded.instance_id, internal_url = excluded.internal_url, claimed_at = excluded.claimed_at
            """);
        command.Parameters.Add(new() { Value = gateId });
        command.Parameters.Add(new() { Value = _instanceId });
        command.Parameters.Add(new() { Value = InternalUrl().ToString() });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // Only our own claim is removed: the gate may already have reconnected to another instance.
    public async Task ReleaseAsync(string gateId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM gates.gate_owners WHERE gate_id = $1 AND instance_id = $2");
        command.Parameters.Add(new() { Value = gateId });
        command.Parameters.Add(new() { Value = _instanceId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Uri?> FindOtherOwnerAsync(string gateId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT internal_url FROM gates.gate_owners WHERE gate_id = $1 AND instance_id <> $2");
        command.Parameters.Add(new() { Value = gateId });
        command.Parameters.Add(new() { Value = _instanceId });
        return await command.ExecuteScalarAsync(cancellationToken) is string url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null;
    }

    private Uri InternalUrl()
    {
        var configured = options.Value.InternalUrl;
        if (string.IsNullOrWhiteSpace(configured))
        {
            configured = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("Set Gates:InternalUrl: the server has no address to advertise.");
            // A wildcard listen address is not something another instance can call.
            configured = configured.Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal);
        }
        return new Uri(configured.EndsWith('/') ? configured : configured + "/");
    }
}
