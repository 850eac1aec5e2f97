extern alias gateway;
using System.Net;
using System.Net.Sockets;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using EasyParkPlus.TestSupport;
using EasyParkPlus.LocalStripe;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Client;
using GatewayProgram = gateway::Program;

namespace EasyParkPlus.Api.Tests.Support;

/// <summary>The token triple the login and refresh endpoints return.</summary>
public sealed record Tokens(string AccessToken, string RefreshToken, DateTimeOffset ExpiresAt);

/// <summary>
/// The real api (Program) on a loopback Kestrel port, over a fresh PostgreSQL database with the data migrated and
/// seeded, the development operator/admin accounts, the Stripe stand-in, and Redis when EASYPARK_TEST_REDIS is set.
/// Workflows run on a Temporal server of the fixture's own (ours, in time-skipping mode, so <see cref="Clock"/> moving
/// forward moves the server's clock and fires the timers due in between), with the worker hosted in the api.
/// Share one per test class (<c>IClassFixture&lt;ApiFixture&gt;</c>) or collection; subclass and override
/// <see cref="Settings"/> to change configuration.
/// </summary>
public class ApiFixture : IAsyncLifetime
{
    public const string DevelopmentPassword = "api-tests-development-password";
    public const string OperatorEmail = "operator@easypark.local";
    public const string AdminEmail = "admin@easypark.local";
    public const string WebhookSecret = "whsec_easypark_api_tests";

    /// <summary>The password of every driver <see cref="NewDriverAsync"/> registers.</summary>
    public const string DriverPassword = "correct-horse-battery";

    // The test suite's own fixed signing key: the api has none of its own, in Development neither (issue 16).
    public const string SigningKey = "easypark-api-tests-signing-key-0123456789abcdef";

    /// <summary>The internal key of the hosted gateway (<see cref="HostsGateway"/>).</summary>
    public const string InternalKey = "system-test-internal-key-2026";

    /// <summary>Every seeded charger's login on the hosted gateway (it runs in Development).</summary>
    public const string StationPassword = "system-test-station-password";

    /// <summary>Every development gate's login on the hosted gateway.</summary>
    public const string GatePassword = "system-test-gate-password";

    private WebApplicationFactory<Program>? _root;
    private WebApplicationFactory<GatewayProgram>? _gateway;
    private TemporalTestServer? _temporal;

    // Chosen before the api starts, as `./easypark run` does, because the api is configured with the gateway's URL.
    private readonly int _gatewayPort = FreeLoopbackPort();
    private readonly int _gatewayInternalPort = FreeLoopbackPort();

    /// <summary>
    /// True to start the real ocpp-gateway after the api, on loopback ports over the same database and clock, and to
    /// give the api its internal address (Gateway:BaseUrl) and key: commands and charger live state then go through it.
    /// </summary>
    protected virtual bool HostsGateway => false;

    /// <summary>Where devices connect to the hosted gateway.</summary>
    public Uri GatewayAddress => new($"http://127.0.0.1:{_gatewayPort}/");

    /// <summary>The hosted gateway's internal API (its own port), which the api calls.</summary>
    public Uri GatewayInternalAddress => new($"http://127.0.0.1:{_gatewayInternalPort}/");

    /// <summary>Where a gate controller connects to the hosted gateway.</summary>
    public Uri GateSocket(string gateId) => new($"ws://127.0.0.1:{_gatewayPort}/gates/{gateId}");

    /// <summary>Where stations connect; ocpp-rpc appends the station id.</summary>
    public Uri OcppEndpoint => new($"ws://127.0.0.1:{_gatewayPort}/ocpp");

    public IServiceProvider GatewayServices => _gateway?.Services ?? throw new InvalidOperationException("No gateway hosted.");
    private WebApplicationFactory<Program>? _factory;
    private string? _connectionString;

    /// <summary>What this fixture's api puts before its Redis keys.</summary>
    public string RedisKeyPrefix { get; } = $"easypark-test-{Guid.NewGuid():N}:";

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("Not initialised.");

    public StripeStandIn Stripe { get; private set; } = null!;

    /// <summary>The api's clock (tokens, entry/exit times) and the Temporal server's: system time plus an offset a test moves forward.</summary>
    public ShiftedTime Clock { get; } = new();

    /// <summary>A Temporal client of the fixture's server (the api's own, as a test reads workflows with it).</summary>
    public ITemporalClient Temporal => Services.GetRequiredService<ITemporalClient>();

    /// <summary>The fixture's Temporal server (host:port), for the other processes of the system under test.</summary>
    public string TemporalAddress => _temporal?.Address ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>Where the api listens, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _factory?.Services ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>Configuration handed to the api; override to add or change keys.</summary>
    protected virtual IDictionary<string, string?> Settings() => new Dictionary<string, string?>
    {
        ["Temporal:Address"] = TemporalAddress,
        ["Gateway:BaseUrl"] = HostsGateway ? GatewayInternalAddress.ToString() : null,
        ["Gateway:InternalApiKey"] = HostsGateway ? InternalKey : null,
        ["Postgres:ConnectionString"] = ConnectionString,
        ["Auth:SigningKey"] = SigningKey,
        ["Auth:DevelopmentPassword"] = DevelopmentPassword,
        // Every fixture has a database of its own but all share one Redis: each keeps its own keys there (availability
        // cache, rate limits, failed logins), or one fixture's cached availability would answer for another's database.
        ["Redis:KeyPrefix"] = RedisKeyPrefix,
        ["Stripe:ApiKey"] = StripeStandIn.ApiKey,
        ["Stripe:BaseUrl"] = Stripe.BaseUrl,
        ["Stripe:WebhookSecret"] = WebhookSecret,
        ["Redis:Configuration"] = Environment.GetEnvironmentVariable("EASYPARK_TEST_REDIS") ?? "",
        ["EasyPark:Seed:SpacesPerFacility"] = "40",
        ["EasyPark:Seed:EvSpacesPerFacility"] = "6",
        ["EasyPark:Seed:AccessibleSpacesPerFacility"] = "2",
        ["EasyPark:Seed:ChargersPerFacility"] = "4",
        ["Logging:LogLevel:Default"] = "Warning",
        // Tests move the clock forward by hours (Clock.Advance); tokens must outlive that.
        ["Auth:AccessTokenLifetime"] = "1.00:00:00",
        ["RateLimit:PermitsPerWindow"] = "1000000",
        ["Console:TemporalUiUrl"] = TemporalUiUrl,
    };

    /// <summary>Where the console links workflows to (a made-up host: the tests check the links, not the UI behind them).</summary>
    public const string TemporalUiUrl = "http://temporal-ui.test:8233/";

    /// <summary>Extra registrations for the api under test (e.g. test workflows on a worker of their own).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public virtual async Task InitializeAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync("api");
        Stripe = await StripeStandIn.StartAsync();
        _temporal = await TemporalTestServer.StartAsync();
        Clock.OnAdvance = _temporal.SkipAsync;
        var settings = Settings();
        // Keep the root factory: it owns the derived one, and disposing the root disposes both in order.
        _root = new WebApplicationFactory<Program>();
        _factory = _root.WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
            web.ConfigureServices(ConfigureServices);
            web.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        });
        _factory.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
        if (HostsGateway)
        {
            // After the api: it migrates and seeds the database the gateway reads (chargers, station logins).
            _gateway = new WebApplicationFactory<GatewayProgram>().WithWebHostBuilder(web =>
            {
                web.UseEnvironment("Development");
                web.UseSetting("Postgres:ConnectionString", ConnectionString);
                web.UseSetting("Gateway:InternalApiKey", InternalKey);
                web.UseSetting("Temporal:Address", TemporalAddress);
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
    }

    public virtual async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        if (_root is not null)
        {
            try
            {
                await _root.DisposeAsync();
            }
            catch (ObjectDisposedException)
            {
                // WebApplicationFactory stopping a Kestrel-hosted app can dispose the container before a hosted service
                // (the Temporal worker) has stopped. Nothing is left running.
            }
        }
        if (_temporal is not null)
        {
            await _temporal.DisposeAsync();
        }
        if (Stripe is not null)
        {
            await Stripe.DisposeAsync();
        }
        if (_connectionString is not null)
        {
            await TestPostgres.DropDatabaseAsync(_connectionString);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A plain HTTP client to the api (no token).</summary>
    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A client carrying <paramref name="accessToken"/>.</summary>
    public HttpClient CreateClient(string accessToken)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    public async Task<Tokens> LoginAsync(string email, string password)
    {
        using var client = CreateClient();
        using var response = await client.PostAsJsonAsync("api/v1/auth/login", new { email, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Tokens>())!;
    }

    public async Task<HttpClient> OperatorClientAsync() => CreateClient((await LoginAsync(OperatorEmail, DevelopmentPassword)).AccessToken);

    public async Task<HttpClient> AdminClientAsync() => CreateClient((await LoginAsync(AdminEmail, DevelopmentPassword)).AccessToken);

    /// <summary>Registers a new driver with a unique e-mail and returns a signed-in client plus the account's e-mail.</summary>
    public async Task<(HttpClient Client, string Email)> NewDriverAsync(string name = "Test Driver")
    {
        var email = $"driver-{Guid.NewGuid():N}@example.test";
        const string password = DriverPassword;
        using (var client = CreateClient())
        {
            using var register = await client.PostAsJsonAsync("api/v1/auth/register", new { email, password, name });
            register.EnsureSuccessStatusCode();
        }
        return (CreateClient((await LoginAsync(email, password)).AccessToken), email);
    }
}

/// <summary>
/// System time plus an offset: timers and waits still run on real time, but <see cref="Advance"/> jumps the clock, so a
/// two-hour stay takes no wall-clock time; with <see cref="OnAdvance"/> set (the fixture's Temporal server skipping the
/// same span) workflow timers due in the skipped span fire at once. While the server skips, the clock stands at the
/// moment advanced to (what the activities those timers run should read), and it runs on from there afterwards, so
/// the wall time the skip takes is not added to the test's own timeline.
/// </summary>
public sealed class ShiftedTime : TimeProvider
{
    private long _offsetTicks;
    private long _standingTicks;

    /// <summary>Moves the Temporal server's clock by the same span; returns once the server has moved it.</summary>
    public Func<TimeSpan, Task>? OnAdvance { get; set; }

    public override DateTimeOffset GetUtcNow() => Interlocked.Read(ref _standingTicks) is var standing and not 0
        ? new DateTimeOffset(standing, TimeSpan.Zero)
        : System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by)
    {
        if (OnAdvance is null)
        {
            Interlocked.Add(ref _offsetTicks, by.Ticks);
            return;
        }
        var target = GetUtcNow() + by;
        Interlocked.Exchange(ref _standingTicks, target.UtcTicks);
        try
        {
            OnAdvance(by).GetAwaiter().GetResult();
        }
        finally
        {
            Interlocked.Exchange(ref _offsetTicks, (target - System.GetUtcNow()).Ticks);
            Interlocked.Exchange(ref _standingTicks, 0);
        }
    }
}
