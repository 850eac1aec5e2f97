using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.Engine.Testing;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.OcppGateway.Ocpp;
using EasyParkPlus.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Tests.Ocpp;

// A database migrated and seeded with the launch facilities (two chargers each) and station logins.
public sealed class OcppDatabaseFixture : PostgresDatabaseFixture
{
    public const string Password = "station-test-password-1";
    public static readonly string Station1 = EasyParkSeeder.StationId("BOS", 1);
    public static readonly string Station2 = EasyParkSeeder.StationId("BOS", 2);

    protected override string Prefix => "ocpp";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await EasyParkDatabase.MigrateAsync(ConnectionString);
        await EasyParkSeeder.SeedAsync(ConnectionString, new SeedOptions
        {
            LevelsPerFacility = 1,
            SpacesPerFacility = 4,
            EvSpacesPerFacility = 2,
            AccessibleSpacesPerFacility = 1,
            ChargersPerFacility = 2,
        });
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await OcppExtensions.SeedStationCredentialsAsync(new OcppStore(dataSource), Password, CancellationToken.None);
    }
}

// Records the charger events the gateway hands over; can fail the first N deliveries.
public sealed class OcppRecordingSink : IDeviceEventSink
{
    private readonly Lock _lock = new();
    private readonly List<ChargerTransactionEvent> _events = [];
    private readonly List<ConnectorStatusChanged> _statuses = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];

    public int FailuresLeft { get; set; }

    public IReadOnlyList<ChargerTransactionEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public IReadOnlyList<ConnectorStatusChanged> Statuses
    {
        get
        {
            lock (_lock)
            {
                return [.. _statuses];
            }
        }
    }

    public Task GateVehicleDetectedAsync(GateVehicleDetected e, CancellationToken ct) => Task.CompletedTask;

    public Task ChargerTransactionEventAsync(ChargerTransactionEvent e, CancellationToken ct)
    {
        lock (_lock)
        {
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new InvalidOperationException("The workflow engine is unavailable (test).");
            }
            _events.Add(e);
            foreach (var waiter in _waiters.Where(w => _events.Count >= w.Count))
            {
                waiter.Done.TrySetResult();
            }
        }
        return Task.CompletedTask;
    }

    public Task ConnectorStatusAsync(ConnectorStatusChanged e, CancellationToken ct)
    {
        lock (_lock)
        {
            _statuses.Add(e);
        }
        return Task.CompletedTask;
    }

    public Task WaitForEventsAsync(int count)
    {
        lock (_lock)
        {
            if (_events.Count >= count)
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}

// The real gateway Program on Kestrel (real port) with a virtual clock and the recording sink.
public sealed class OcppHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);
    public const string InternalKey = "test-internal-key-0123456789";

    private readonly WebApplicationFactory<Program> _factory;

    private OcppHost(WebApplicationFactory<Program> factory, OcppRecordingSink sink, VirtualTimeProvider clock, GatewayAddresses addresses)
    {
        _factory = factory;
        Sink = sink;
        Clock = clock;
        Address = addresses.Public;
        InternalAddress = addresses.Internal;
        Http = new HttpClient { BaseAddress = Address };
    }

    public OcppRecordingSink Sink { get; }

    public VirtualTimeProvider Clock { get; }

    public Uri Address { get; }

    /// <summary>Where the internal command API listens (its own socket).</summary>
    public Uri InternalAddress { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _factory.Services;

    public static OcppHost Launch(string connectionString, OcppRecordingSink? sink = null)
    {
        sink ??= new OcppRecordingSink();
        var clock = new VirtualTimeProvider(Start);
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("Postgres:ConnectionString", connectionString);
            web.UseSetting("Gateway:InternalApiKey", InternalKey);
            GatewayAddresses.UseLoopback(web);
            web.ConfigureServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(clock);
                services.RemoveAll<IDeviceEventSink>();
                services.AddSingleton<IDeviceEventSink>(sink);
            });
        });
        factory.UseKestrel();
        factory.StartServer();
        return new OcppHost(factory, sink, clock, GatewayAddresses.Of(factory.Services));
    }

    public Uri StationUri(string stationId) => new(new Uri(Address.ToString().Replace("http", "ws", StringComparison.Ordinal)), $"ocpp/{stationId}");

    public async Task<StationClient> ConnectAsync(string stationId, string password = OcppDatabaseFixture.Password)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("ocpp2.0.1");
        socket.Options.SetRequestHeader("Authorization", Basic(stationId, password).ToString());
        await socket.ConnectAsync(StationUri(stationId), CancellationToken.None);
        return new StationClient(socket);
    }

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public HttpRequestMessage InternalPost(string path, object body, string? key = InternalKey)
    {
        // Addressed to the internal socket, so it can be sent with Http as well.
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

// A charging station played over a plain ClientWebSocket with raw OCPP-J frames.
public sealed class StationClient(ClientWebSocket socket) : IAsyncDisposable
{
    private int _nextId;

    public ClientWebSocket Socket => socket;

    public ConcurrentQueue<string> Sent { get; } = new();

    public Task SendTextAsync(string text)
    {
        Sent.Enqueue(text);
        return socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
    }

    public async Task<JsonElement> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[256 * 1024];
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"The gateway closed the socket: {socket.CloseStatus} {socket.CloseStatusDescription}");
            }
            length += result.Count;
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone();
            }
        }
    }

    // Sends a CALL and returns the whole answer frame ([3, id, payload] or [4, id, code, description, details]).
    public async Task<JsonElement> CallAsync(string action, object payload)
    {
        var id = $"m{Interlocked.Increment(ref _nextId)}";
        await SendTextAsync(JsonSerializer.Serialize(new object[] { 2, id, action, payload }));
        var answer = await ReceiveAsync();
        if (answer[1].GetString() != id)
        {
            throw new InvalidOperationException($"Answer for another message: {answer}");
        }
        return answer;
    }

    public async Task<JsonElement> ResultAsync(string action, object payload)
    {
        var answer = await CallAsync(action, payload);
        return answer[0].GetInt32() == 3 ? answer[2] : throw new InvalidOperationException($"{action} answered {answer}");
    }

    public Task AnswerAsync(string messageId, object payload) => SendTextAsync(JsonSerializer.Serialize(new object[] { 3, messageId, payload }));

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            // The host may already be gone.
        }
        socket.Dispose();
    }
}
