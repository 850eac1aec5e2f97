using System.Net;
using System.Net.Sockets;
using EasyParkPlus.TestSupport;
using EasyParkPlus.LocalStripe;

namespace EasyParkPlus.DisasterRecovery.Tests.Support;

/// <summary>
/// Our Temporal server (<c>server start-dev --store postgres</c>, its state in schema temporal of the same database, so a
/// restore brings the workflows back with the business data), the api (hosting the worker, Api:RunWorker) and, when
/// asked, the ocpp-gateway as their own processes over one database, configured only by environment variables as
/// <c>./easypark run</c> starts them, paying at the Stripe stand-in that lives in the test process and so outlives
/// every restore (as Stripe does).
/// </summary>
public sealed class DrillSystem : IAsyncDisposable
{
    public const string StationPassword = "EasyPark-station-drill-2026!";
    public const string GatePassword = "EasyPark-gate-drill-2026!";

    private readonly TemporalDevServer _temporal;
    private readonly ServiceProcess _api;
    private readonly ServiceProcess? _gateway;

    private DrillSystem(TemporalDevServer temporal, ServiceProcess api, ServiceProcess? gateway)
    {
        _temporal = temporal;
        _api = api;
        _gateway = gateway;
    }

    public Uri Api => _api.BaseAddress;

    public ServiceProcess ApiProcess => _api;

    public Uri Gateway => (_gateway ?? throw new InvalidOperationException("Started without the gateway.")).BaseAddress;

    /// <summary>Where stations connect; ocpp-rpc appends the station id.</summary>
    public Uri OcppEndpoint => new(Gateway.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "ocpp");

    public Uri GateSocket(string gateId) => new(Gateway.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "gates/" + gateId);

    public static async Task<DrillSystem> StartAsync(string connectionString, StripeStandIn stripe, bool withGateway = true,
        IReadOnlyDictionary<string, string>? apiSettings = null)
    {
        // Chosen before the api starts, as ./easypark run does: the api is configured with the gateway's internal API.
        var gatewayPort = FreeLoopbackPort();
        var internalPort = FreeLoopbackPort();
        while (internalPort == gatewayPort)
        {
            internalPort = FreeLoopbackPort();
        }
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["EASYPARK_POSTGRES"] = connectionString,
            ["EASYPARK_GATEWAY_INTERNAL_KEY"] = "drill-internal-key-2026",
            // The api has no signing key of its own, in Development neither (issue 16): the drill brings one.
            ["EASYPARK_JWT_SIGNING_KEY"] = "drill-signing-key-0123456789abcdefghijklmnop",
            ["EASYPARK_STRIPE_URL"] = stripe.BaseUrl,
            ["EASYPARK_STRIPE_API_KEY"] = StripeStandIn.ApiKey,
            ["EASYPARK_STRIPE_WEBHOOK_SECRET"] = "whsec_drill",
            ["Ocpp__DevelopmentPassword"] = StationPassword,
            ["Gates__DevelopmentPassword"] = GatePassword,
            ["EasyPark__Seed__SpacesPerFacility"] = "40",
            ["EasyPark__Seed__EvSpacesPerFacility"] = "6",
            ["EasyPark__Seed__AccessibleSpacesPerFacility"] = "2",
            ["EasyPark__Seed__ChargersPerFacility"] = "4",
            ["RateLimit__PermitsPerWindow"] = "1000000",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        if (withGateway)
        {
            environment["EASYPARK_GATEWAY_URL"] = $"http://127.0.0.1:{internalPort}";
        }
        foreach (var (key, value) in apiSettings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        // Temporal first, as ./easypark run starts it: the api registers its search attributes there at start-up.
        var temporal = await TemporalDevServer.StartAsync(connectionString);
        environment["TEMPORAL_ADDRESS"] = temporal.Address;
        ServiceProcess? api = null;
        try
        {
            // The api next: it migrates and seeds the database the gateway then reads (chargers, gates, logins).
            api = await ServiceProcess.StartAsync("api/EasyParkPlus.Api", environment);
            if (!withGateway)
            {
                return new DrillSystem(temporal, api, null);
            }
            environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{gatewayPort}";
            environment["EASYPARK_GATEWAY_INTERNAL_LISTEN"] = $"http://127.0.0.1:{internalPort}";
            var gateway = await ServiceProcess.StartAsync("ocpp-gateway/EasyParkPlus.OcppGateway", environment);
            return new DrillSystem(temporal, api, gateway);
        }
        catch
        {
            if (api is not null)
            {
                await api.DisposeAsync();
            }
            await temporal.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every process's output, for failure messages.</summary>
    public string Output => $"--- api\n{_api.Output}\n--- gateway\n{_gateway?.Output}\n--- temporal\n{_temporal.Output}";

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        await _api.DisposeAsync();
        await _temporal.DisposeAsync();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
