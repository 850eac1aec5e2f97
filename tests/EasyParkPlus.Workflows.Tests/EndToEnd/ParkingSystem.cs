using System.Collections.Concurrent;
using EasyParkPlus.Activities.Gateway;
using EasyParkPlus.Activities.Hosting;
using EasyParkPlus.Activities.Payments;
using EasyParkPlus.Data;
using EasyParkPlus.Data.GatewayApi;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.TestSupport;
using EasyParkPlus.LocalStripe;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Temporalio.Client;

namespace EasyParkPlus.Workflows.Tests.EndToEnd;

/// <summary>
/// The parking workflows as production hosts them: a fresh PostgreSQL database with the data migrations and the launch
/// seed, the collection's Temporal server (its own process on its PostgreSQL store, <see cref="WholeSystemServer"/>)
/// with a task queue of this system's own, a worker hosted by <see cref="IHost"/> the way the worker process composes
/// it, the Stripe client over HTTP against the stand-in, and a gate double that records commands.
/// </summary>
public sealed class ParkingSystem : IAsyncDisposable
{
    private readonly IHost _host;

    private ParkingSystem(IHost host, TemporalDevServer temporal, string taskQueue, string connectionString, StripeStandIn stripe, RecordingGatewayClient gates)
    {
        _host = host;
        Temporal = temporal;
        TaskQueue = taskQueue;
        ConnectionString = connectionString;
        Stripe = stripe;
        Gates = gates;
    }

    public string ConnectionString { get; }

    public StripeStandIn Stripe { get; }

    public RecordingGatewayClient Gates { get; }

    /// <summary>The Temporal server (its address is TEMPORAL_ADDRESS for service processes a test starts).</summary>
    public TemporalDevServer Temporal { get; }

    /// <summary>This system's task queue (TEMPORAL_TASK_QUEUE for service processes a test starts).</summary>
    public string TaskQueue { get; }

    public ITemporalClient Client => _host.Services.GetRequiredService<ITemporalClient>();

    public IServiceProvider Services => _host.Services;

    // runWorker: false when other processes (the worker process) run the workflows; this host then only reads, waits
    // for results and calls activities directly. Its activities are registered all the same, on a task queue no
    // workflow uses, so they are composed exactly as the worker composes them.
    public static async Task<ParkingSystem> StartAsync(WholeSystemServer server, string prefix, SeedOptions? seed = null, bool runWorker = true,
        RecordingGatewayClient? gates = null)
    {
        var database = await TestPostgres.CreateDatabaseAsync(prefix);
        // Hundreds of workflows at once each hold a connection for a moment.
        var connectionString = new NpgsqlConnectionStringBuilder(database) { MaxPoolSize = 150 }.ConnectionString;
        await EasyParkDatabase.MigrateAsync(connectionString);
        await EasyParkSeeder.SeedAsync(connectionString, seed ?? new SeedOptions());
        var stripe = await StripeStandIn.StartAsync();
        var temporal = server.Temporal;
        var taskQueue = $"{prefix}-{Guid.NewGuid():N}";
        gates ??= new RecordingGatewayClient();

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stripe:ApiKey"] = StripeStandIn.ApiKey,
            ["Stripe:BaseUrl"] = stripe.BaseUrl,
            ["Stripe:WebhookSecret"] = "whsec_parking_tests",
            ["Temporal:Address"] = temporal.Address,
            ["Temporal:TaskQueue"] = runWorker ? taskQueue : $"{taskQueue}-direct-calls-only",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddEasyParkData(connectionString);
        builder.Services.AddStripe();
        builder.Services.AddSingleton<IGatewayClient>(gates);
        builder.AddEasyParkTemporalClient(EasyParkSearchAttributes.All);
        builder.AddEasyParkWorker();
        var host = builder.Build();
        await host.StartAsync();
        return new ParkingSystem(host, temporal, taskQueue, connectionString, stripe, gates);
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] values) => (await TestSql.ScalarAsync<T>(ConnectionString, sql, values))!;

    public Task<List<object?[]>> RowsAsync(string sql, params object[] values) => TestSql.RowsAsync(ConnectionString, sql, values);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await Stripe.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(ConnectionString);
    }
}

/// <summary>
/// Gate commands recorded instead of sent: the HTTP gateway client is built in parallel by the gateway engineer.
/// <see cref="GateOpened"/> lets a test wait for a number of openings without polling.
/// </summary>
public sealed class RecordingGatewayClient : IGatewayClient
{
    private readonly ConcurrentQueue<(string GateId, string SessionId, string? Message)> _openings = new();

    public IReadOnlyList<(string GateId, string SessionId, string? Message)> Openings => [.. _openings];

    public event Action? GateOpened;

    public Task OpenGateAsync(string gateId, string sessionId, string? message, CancellationToken cancellationToken)
    {
        _openings.Enqueue((gateId, sessionId, message));
        GateOpened?.Invoke();
        return Task.CompletedTask;
    }

    private readonly ConcurrentQueue<(string GateId, string Text)> _messages = new();

    public IReadOnlyList<(string GateId, string Text)> Messages => [.. _messages];

    public Task ShowGateMessageAsync(string gateId, string text, CancellationToken cancellationToken)
    {
        _messages.Enqueue((gateId, text));
        return Task.CompletedTask;
    }

    /// <summary>Where charger commands go; none by default (parking tests send none).</summary>
    public IGatewayClient? Chargers { get; init; }

    public Task<StartTransactionResult> StartTransactionAsync(string stationId, int evseId, string idToken, int remoteStartId, CancellationToken cancellationToken) =>
        (Chargers ?? throw new NotSupportedException("Parking tests send no charger commands.")).StartTransactionAsync(stationId, evseId, idToken, remoteStartId, cancellationToken);

    public Task<bool> StopTransactionAsync(string stationId, string transactionId, CancellationToken cancellationToken) =>
        (Chargers ?? throw new NotSupportedException("Parking tests send no charger commands.")).StopTransactionAsync(stationId, transactionId, cancellationToken);

    public Task<int> ReservePowerAsync(string facilityId, PowerRequest request, CancellationToken cancellationToken) =>
        (Chargers ?? throw new NotSupportedException("Parking tests send no charger commands.")).ReservePowerAsync(facilityId, request, cancellationToken);

    public Task ReleasePowerAsync(string facilityId, string sessionId, CancellationToken cancellationToken) =>
        (Chargers ?? throw new NotSupportedException("Parking tests send no charger commands.")).ReleasePowerAsync(facilityId, sessionId, cancellationToken);

    public Task<IReadOnlyList<TransactionEventReading>> ReadTransactionEventsAsync(string stationId, string transactionId, CancellationToken cancellationToken) =>
        (Chargers ?? throw new NotSupportedException("Parking tests read no charger transactions.")).ReadTransactionEventsAsync(stationId, transactionId, cancellationToken);
}
