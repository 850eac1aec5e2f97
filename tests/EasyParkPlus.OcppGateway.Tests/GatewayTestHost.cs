using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.OcppGateway.Gates;
using EasyParkPlus.OcppGateway.Ocpp;
using EasyParkPlus.OcppGateway.Tests.Ocpp;
using EasyParkPlus.TestSupport;
using EasyParkPlus.TestSupport.Devices;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Tests;

/// <summary>
/// A database migrated and seeded with the launch facilities (two chargers each unless a subclass seeds more), a login
/// for every station, the development gates and one customer; shared by a test class.
/// </summary>
public class GatewayDatabaseFixture : PostgresDatabaseFixture
{
    public const string StationPassword = "station-test-password-1";
    public const string GatePassword = "gate-test-password-1";
    public const string EntryGate = "BOS-GATE-IN-01";
    public const string ExitGate = "BOS-GATE-OUT-01";
    public static readonly string Station1 = EasyParkSeeder.StationId("BOS", 1);
    public static readonly string Station2 = EasyParkSeeder.StationId("BOS", 2);
    public static readonly Guid CustomerId = Guid.Parse("6f2c1d3e-1111-4a5b-9c8d-0123456789ab");

    protected override string Prefix => "gateway";

    protected virtual SeedOptions Seed => new()
    {
        LevelsPerFacility = 1,
        SpacesPerFacility = 4,
        EvSpacesPerFacility = 2,
        AccessibleSpacesPerFacility = 1,
        ChargersPerFacility = 2,
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await EasyParkDatabase.MigrateAsync(ConnectionString);
        await EasyParkSeeder.SeedAsync(ConnectionString, Seed);
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await OcppExtensions.SeedStationCredentialsAsync(new OcppStore(dataSource), StationPassword, CancellationToken.None);
        await GateSeeder.SeedAsync(new GateStore(dataSource), GatePassword, CancellationToken.None);
        await ExecuteAsync("INSERT INTO accounts.customers (id, email, name, role) VALUES ($1, 'ev.driver@example.test', 'EV Driver', 'driver')", CustomerId);
    }

    /// <summary>Polls <paramref name="sql"/> (one boolean) until it is true; a generous real-time limit guards a hung gateway.</summary>
    public async Task WaitUntilAsync(string sql, params object[] parameters)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await ScalarAsync<bool>(sql, parameters))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Still false after 30 s: {sql}");
            }
            await Task.Delay(20);
        }
    }
}

/// <summary>
/// Records what the gateway hands to the workflows. Fails chosen deliveries: by gate event id or transaction event dedupe
/// id (<see cref="FailuresLeft"/>), or the first <see cref="ChargerFailuresLeft"/> charger events.
/// </summary>
public sealed class RecordingSink : IDeviceEventSink
{
    private readonly Lock _lock = new();
    private readonly List<GateVehicleDetected> _gateEvents = [];
    private readonly List<ChargerTransactionEvent> _transactions = [];
    private readonly List<ConnectorStatusChanged> _statuses = [];
    private readonly List<(Func<RecordingSink, bool> Condition, TaskCompletionSource Done)> _waiters = [];

    public ConcurrentDictionary<string, int> FailuresLeft { get; } = new(StringComparer.Ordinal);

    public int ChargerFailuresLeft { get; set; }

    public int FailedCalls { get; private set; }

    public IReadOnlyList<GateVehicleDetected> GateEvents => Read(_gateEvents);

    public IReadOnlyList<ChargerTransactionEvent> Transactions => Read(_transactions);

    public IReadOnlyList<ConnectorStatusChanged> Statuses => Read(_statuses);

    public Task GateVehicleDetectedAsync(GateVehicleDetected e, CancellationToken ct) => Record(e.EventId, () => _gateEvents.Add(e));

    public Task ChargerTransactionEventAsync(ChargerTransactionEvent e, CancellationToken ct) => Record(e.DedupeId, () =>
    {
        if (ChargerFailuresLeft > 0)
        {
            ChargerFailuresLeft--;
            FailedCalls++;
            throw new InvalidOperationException("The workflow engine is unavailable (test).");
        }
        _transactions.Add(e);
    });

    public Task ConnectorStatusAsync(ConnectorStatusChanged e, CancellationToken ct) => Record(null, () => _statuses.Add(e));

    public Task WaitForGateEventsAsync(params string[] eventIds) =>
        WaitUntilAsync(sink => eventIds.All(id => sink._gateEvents.Exists(e => e.EventId == id)));

    public Task WaitForTransactionsAsync(int count) => WaitUntilAsync(sink => sink._transactions.Count >= count);

    // Completes when the condition holds (checked under the sink's lock; a generous real-time limit guards a hung gateway).
    public Task WaitUntilAsync(Func<RecordingSink, bool> condition)
    {
        lock (_lock)
        {
            if (condition(this))
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((condition, done));
            return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private IReadOnlyList<T> Read<T>(List<T> list)
    {
        lock (_lock)
        {
            return [.. list];
        }
    }

    private Task Record(string? id, Action add)
    {
        lock (_lock)
        {
            if (id is not null && FailuresLeft.TryGetValue(id, out var left) && left > 0)
            {
                FailuresLeft[id] = left - 1;
                FailedCalls++;
                throw new InvalidOperationException("The workflow engine is unavailable (test).");
            }
            add();
            foreach (var waiter in _waiters.Where(w => w.Condition(this)))
            {
                waiter.Done.TrySetResult();
            }
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// The gateway's tests' one host: the real gateway Program on Kestrel (real ports, devices and internal API apart), on a
/// fixture's database, with a virtual clock and a <see cref="RecordingSink"/> in place of the workflow routing.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);
    public const string InternalKey = "test-internal-key-0123456789";

    private readonly WebApplicationFactory<Program> _factory;

    private GatewayHost(WebApplicationFactory<Program> factory, RecordingSink sink, VirtualTimeProvider clock, GatewayAddresses addresses)
    {
        _factory = factory;
        Sink = sink;
        Clock = clock;
        Address = addresses.Public;
        InternalAddress = addresses.Internal;
        Http = new HttpClient { BaseAddress = Address };
    }

    public RecordingSink Sink { get; }

    public VirtualTimeProvider Clock { get; }

    /// <summary>Where devices connect.</summary>
    public Uri Address { get; }

    /// <summary>Where the internal command API listens (its own socket).</summary>
    public Uri InternalAddress { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>Where stations connect; ocpp-rpc appends the station id.</summary>
    public Uri OcppEndpoint => new(Address.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "ocpp");

    public static Task<GatewayHost> StartAsync(string connectionString, RecordingSink? sink = null, VirtualTimeProvider? clock = null,
        IDictionary<string, string?>? settings = null, string environment = "Testing", Action<IServiceCollection>? configureServices = null)
    {
        sink ??= new RecordingSink();
        clock ??= new VirtualTimeProvider(Start);
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment(environment);
            web.UseSetting("Postgres:ConnectionString", connectionString);
            web.UseSetting("Gateway:InternalApiKey", InternalKey);
            // Device tests record what the gateway hands its sink; no workflow is started, so no Temporal is reached.
            web.UseSetting("Temporal:Address", "127.0.0.1:1");
            web.UseSetting("Temporal:RegisterSearchAttributes", "false");
            GatewayAddresses.UseLoopback(web);
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                web.UseSetting(key, value);
            }
            web.ConfigureServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(clock);
                services.RemoveAll<IDeviceEventSink>();
                services.AddSingleton<IDeviceEventSink>(sink);
            });
            if (configureServices is not null)
            {
                web.ConfigureServices(configureServices);
            }
        });
        factory.UseKestrel();
        factory.StartServer();
        return Task.FromResult(new GatewayHost(factory, sink, clock, GatewayAddresses.Of(factory.Services)));
    }

    /// <summary>
    /// Moves the virtual clock forward in steps of <paramref name="step"/> until <paramref name="condition"/> holds, so an
    /// outbox retry comes due whatever the delivery loop was doing when the clock moved (real-time limit 30 s).
    /// </summary>
    public async Task AdvanceUntilAsync(Func<Task<bool>> condition, TimeSpan step)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not hold within 30 s while the clock moved forward.");
            }
            Clock.Advance(step);
            await Task.Delay(20);
        }
    }

    public Uri StationUri(string stationId) => new(new Uri(Address.ToString().Replace("http", "ws", StringComparison.Ordinal)), $"ocpp/{stationId}");

    public async Task<StationClient> ConnectAsync(string stationId, string password = GatewayDatabaseFixture.StationPassword)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("ocpp2.0.1");
        socket.Options.SetRequestHeader("Authorization", Basic(stationId, password).ToString());
        await socket.ConnectAsync(StationUri(stationId), CancellationToken.None);
        return new StationClient(socket);
    }

    public Uri GateSocketUri(string gateId) => new(new Uri(Address.ToString().Replace("http", "ws", StringComparison.Ordinal)), $"gates/{gateId}");

    public Task<GateClient> ConnectGateAsync(string gateId, string password = GatewayDatabaseFixture.GatePassword) =>
        GateClient.ConnectAsync(GateSocketUri(gateId), gateId, password);

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    // Addressed to the internal socket, so it can be sent with Http as well.
    public HttpRequestMessage InternalPost(string path, object body, string? key = InternalKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(InternalAddress, path))
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Add("X-EasyPark-Internal-Key", key);
        }
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _factory.DisposeAsync();
    }
}
