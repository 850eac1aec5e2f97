using Npgsql;

namespace EasyParkPlus.Api.Tests.Support;

/// <summary>
/// The whole system as <c>./easypark run</c> starts it: the api (hosting the workflow worker) and then the real
/// ocpp-gateway, both on loopback Kestrel ports over the same fresh database, the Stripe stand-in, and one clock
/// (<see cref="ApiFixture.Clock"/>) for both. The api's activities reach the gateway through the real GatewayClient
/// (Gateway:BaseUrl, the gateway's internal port, and the internal key), and the gateway routes device events to workflows with its production sink.
/// The gateway runs in Development, so every seeded charger has a login with <see cref="ApiFixture.StationPassword"/> and the
/// launch facilities' gates (BOS-GATE-IN-01, PHL-GATE-OUT-01, ...) one with <see cref="ApiFixture.GatePassword"/>.
/// </summary>
public sealed class SystemFixture : ApiFixture
{
    protected override bool HostsGateway => true;

    /// <summary>Moves the shared clock forward to <paramref name="moment"/> (never back), as if that much time had passed.</summary>
    public void AdvanceTo(DateTimeOffset moment)
    {
        var by = moment - Clock.GetUtcNow();
        if (by > TimeSpan.Zero)
        {
            Clock.Advance(by);
        }
    }

    public async Task<int> ExecuteAsync(string sql, params object[] parameters)
    {
        await using var db = NpgsqlDataSource.Create(ConnectionString);
        await using var command = db.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new() { Value = parameter });
        }
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// <see cref="RowsAsync"/> polled until it returns a row: a workflow's state can move before the activity that writes
    /// the row has committed (60 s real-time limit).
    /// </summary>
    public async Task<List<Dictionary<string, object?>>> RowsOnceAnyAsync(string sql, params object[] parameters)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            var rows = await RowsAsync(sql, parameters);
            if (rows.Count > 0 || DateTimeOffset.UtcNow > deadline)
            {
                return rows;
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Rows of a query as column name → value (DBNull as null, timestamps as DateTimeOffset).</summary>
    public async Task<List<Dictionary<string, object?>>> RowsAsync(string sql, params object[] parameters)
    {
        await using var db = NpgsqlDataSource.Create(ConnectionString);
        await using var command = db.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new() { Value = parameter });
        }
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Dictionary<string, object?>>();
        while (await reader.ReadAsync())
        {
            // timestamptz comes back as a UTC DateTime; compare as DateTimeOffset like the rest of the code.
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null
                : reader.GetValue(i) is DateTime utc ? new DateTimeOffset(utc, TimeSpan.Zero) : reader.GetValue(i)));
        }
        return rows;
    }
}
