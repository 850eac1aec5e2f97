extern alias gateway;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using GatewayProgram = gateway::Program;

namespace EasyParkPlus.Api.Tests.Support;

/// <summary>
/// The whole system as <c>./easypark run</c> starts it: the api (hosting the workflow worker) and then the real
/// ocpp-gateway, both on loopback Kestrel ports over the same fresh database, the Stripe stand-in, and one clock
/// (<see cref="ApiFixture.Clock"/>) for both. The api's activities reach the gateway through the real GatewayClient
/// (Gateway:BaseUrl, the gateway's internal port, and the internal key), and the gateway routes device events to workflows with its production sink.
/// The gateway runs in Development, so every seeded charger has a login with <see cref="StationPassword"/> and the
/// launch facilities' gates (BOS-GATE-IN-01, PHL-GATE-OUT-01, ...) one with <see cref="GatePassword"/>.
/// </summary>
public sealed class SystemFixture : ApiFixture
{
    public const string InternalKey = "system-test-internal-key-2026";
    public const string StationPassword = "system-test-station-password";
    public const string GatePassword = "system-test-gate-password";

    // Chosen before the api starts, as `./easypark run` does, because the api is configured with the gateway's URL.
    private readonly int _gatewayPort = FreeLoopbackPort();
    private readonly int _gatewayInternalPort = FreeLoopbackPort();
    private WebApplicationFactory<GatewayProgram>? _gateway;

    /// <summary>Where devices connect.</summary>
    public Uri GatewayAddress => new($"http://127.0.0.1:{_gatewayPort}/");

    /// <summary>The gateway's internal command API (its own port), which the api's activities call.</summary>
    public Uri GatewayInternalAddress => new($"http://127.0.0.1:{_gatewayInternalPort}/");

    /// <summary>Where a gate controller connects.</summary>
    public Uri GateSocket(string gateId) => new($"ws://127.0.0.1:{_gatewayPort}/gates/{gateId}");

    /// <summary>Where stations connect; ocpp-rpc appends the station id.</summary>
    public Uri OcppEndpoint => new($"ws://127.0.0.1:{_gatewayPort}/ocpp");

    public IServiceProvider GatewayServices => _gateway?.Services ?? throw new InvalidOperationException("Not initialised.");

    protected override IDictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Gateway:BaseUrl"] = GatewayInternalAddress.ToString();
        settings["Gateway:InternalApiKey"] = InternalKey;
        return settings;
    }

    public override async Task InitializeAsync()
    {
        // The api first: it migrates and seeds the database the gateway then reads (chargers, station logins).
        await base.InitializeAsync();
        _gateway = new WebApplicationFactory<GatewayProgram>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            web.UseSetting("Postgres:ConnectionString", ConnectionString);
            web.UseSetting("Gateway:InternalApiKey", InternalKey);
            web.UseSetting("urls", GatewayAddress.ToString());
            web.UseSetting("Gateway:InternalListenUrl", GatewayInternalAddress.ToString());
            web.UseSetting("Ocpp:DevelopmentPassword", StationPassword);
            web.UseSetting("Gates:DevelopmentPassword", GatePassword);
            web.UseSetting("Logging:LogLevel:Default", "Warning");
            web.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        });
        _gateway.UseKestrel();
        _gateway.StartServer();
    }

    public override async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        await base.DisposeAsync();
    }

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

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
