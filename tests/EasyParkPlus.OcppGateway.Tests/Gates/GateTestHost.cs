using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.Engine.Testing;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.OcppGateway.Gates;
using EasyParkPlus.TestSupport;
using EasyParkPlus.TestSupport.Devices;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Tests.Gates;

// A database migrated and seeded with the launch facilities plus two test gates, shared by a test class.
public sealed class GateDatabaseFixture : PostgresDatabaseFixture
{
    public const string Password = "gate-test-password-1";
    public const string EntryGate = "BOS-GATE-IN-01";
    public const string ExitGate = "BOS-GATE-OUT-01";

    protected override string Prefix => "gates";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await EasyParkDatabase.MigrateAsync(ConnectionString);
        await EasyParkSeeder.SeedAsync(ConnectionString, new SeedOptions
        {
            LevelsPerFacility = 1,
            SpacesPerFacility = 4,
            EvSpacesPerFacility = 1,
            AccessibleSpacesPerFacility = 1,
            ChargersPerFacility = 1,
        });
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await GateSeeder.SeedAsync(new GateStore(dataSource), Password, CancellationToken.None);
    }
}

// Records what the gateway hands to the workflows; can be told to fail for chosen event ids.
public sealed class RecordingSink : IDeviceEventSink
{
    private readonly Lock _lock = new();
    private readonly List<GateVehicleDetected> _gateEvents = [];
    private readonly List<(string[] EventIds, TaskCompletionSource Done)> _waiters = [];

    public ConcurrentDictionary<string, int> FailuresLeft { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<GateVehicleDetected> GateEvents
    {
        get
        {
            lock (_lock)
            {
                return [.. _gateEvents];
            }
        }
    }

    public int FailedCalls { get; private set; }

    // Charger events are not part of the gate tests (added when the sink contract gained them).
    public Task ChargerTransactionEventAsync(ChargerTransactionEvent e, CancellationToken ct) => Task.CompletedTask;

    public Task ConnectorStatusAsync(ConnectorStatusChanged e, CancellationToken ct) => Task.CompletedTask;

    public Task GateVehicleDetectedAsync(GateVehicleDetected e, CancellationToken ct)
    {
        lock (_lock)
        {
            if (FailuresLeft.TryGetValue(e.EventId, out var left) && left > 0)
            {
                FailuresLeft[e.EventId] = left - 1;
                FailedCalls++;
                throw new InvalidOperationException("The workflow engine is unavailable (test).");
            }
            _gateEvents.Add(e);
            foreach (var waiter in _waiters.Where(w => HasAll(w.EventIds)))
            {
                waiter.Done.TrySetResult();
            }
        }
        return Task.CompletedTask;
    }

    // Completes once all the given events arrived (guarded by a generous real-time limit).
    public Task WaitForGateEventsAsync(params string[] eventIds)
    {
        lock (_lock)
        {
            if (HasAll(eventIds))
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((eventIds, done));
            return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private bool HasAll(string[] eventIds) => eventIds.All(id => _gateEvents.Exists(e => e.EventId == id));
}

// One gateway process (the real Program) on Kestrel with a real port, on the fixture's database,
// with a virtual clock and a recording sink.
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

    // Completes with "delivered?" once the outbox committed the given attempt for the event and,
    // after a failure, armed its retry timer on the virtual clock (so advancing the clock fires it).
    public Task<bool> AttemptCommitted(string eventId, int attempt)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Services.GetRequiredService<GateEventDelivery>().AttemptCommitted += (id, attempts, delivered) =>
        {
            if (id == eventId && attempts == attempt)
            {
                // Raised on the outbox loop before it goes to sleep: the next timer created is its retry wait.
                var armed = delivered ? Task.CompletedTask : Clock.TimerCreated;
                armed.ContinueWith(_ => done.TrySetResult(delivered), TaskScheduler.Default);
            }
        };
        return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public Uri GateSocketUri(string gateId) => new(new Uri(Address.ToString().Replace("http", "ws", StringComparison.Ordinal)), $"gates/{gateId}");

    public Task<GateClient> ConnectGateAsync(string gateId, string password = GateDatabaseFixture.Password) =>
        GateClient.ConnectAsync(GateSocketUri(gateId), gateId, password);

    public static AuthenticationHeaderValue Basic(string user, string password) => GateClient.Basic(user, password);

    // Addressed to the internal socket, so it can be sent with Http as well.
    public HttpRequestMessage InternalPost(string path, object body) => new(HttpMethod.Post, new Uri(InternalAddress, path))
    {
        Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        Headers = { { "X-EasyPark-Internal-Key", InternalKey } },
    };

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _factory.DisposeAsync();
    }
}
