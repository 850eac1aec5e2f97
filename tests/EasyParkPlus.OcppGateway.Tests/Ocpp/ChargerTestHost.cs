using System.Diagnostics;
using System.Text.Json;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.Engine.Testing;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EasyParkPlus.OcppGateway.Tests.Ocpp;

// A migrated, seeded database with one station login (hashed with ASP.NET Core's PasswordHasher) and a customer.
public sealed class ChargerDatabaseFixture : PostgresDatabaseFixture
{
    public const string Password = "station-test-password-1";
    public static readonly string StationId = EasyParkSeeder.StationId("BOS", 1);
    public static readonly Guid CustomerId = Guid.Parse("6f2c1d3e-1111-4a5b-9c8d-0123456789ab");

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
        await ExecuteAsync("INSERT INTO gateway.station_credentials (station_id, secret_hash) VALUES ($1, $2)",
            StationId, new PasswordHasher<string>().HashPassword(StationId, Password));
        await ExecuteAsync("INSERT INTO accounts.customers (id, email, name, role) VALUES ($1, 'ev.driver@example.test', 'EV Driver', 'driver')", CustomerId);
    }
}

// Records the charger events the gateway hands over (after persisting them).
public sealed class ChargerRecordingSink : IDeviceEventSink
{
    private readonly Lock _lock = new();
    private readonly List<ChargerTransactionEvent> _transactions = [];
    private readonly List<ConnectorStatusChanged> _statuses = [];
    private readonly List<(Func<ChargerRecordingSink, bool> Condition, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyList<ChargerTransactionEvent> Transactions
    {
        get
        {
            lock (_lock)
            {
                return [.. _transactions];
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

    public Task ChargerTransactionEventAsync(ChargerTransactionEvent e, CancellationToken ct) => Record(() => _transactions.Add(e));

    public Task ConnectorStatusAsync(ConnectorStatusChanged e, CancellationToken ct) => Record(() => _statuses.Add(e));

    public Task GateVehicleDetectedAsync(GateVehicleDetected e, CancellationToken ct) => Task.CompletedTask;

    // Completes when the condition holds (guarded by a generous real-time limit against a hung gateway).
    public Task WaitUntilAsync(Func<ChargerRecordingSink, bool> condition)
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

    private Task Record(Action add)
    {
        lock (_lock)
        {
            add();
            foreach (var waiter in _waiters.Where(w => w.Condition(this)))
            {
                waiter.Done.TrySetResult();
            }
        }
        return Task.CompletedTask;
    }
}

// The real gateway Program on Kestrel (real port), on the fixture's database, virtual clock, recording sink.
public sealed class ChargerGatewayHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);
    public const string InternalKey = "test-internal-key-0123456789";

    private readonly WebApplicationFactory<Program> _factory;

    private ChargerGatewayHost(WebApplicationFactory<Program> factory, ChargerRecordingSink sink, VirtualTimeProvider clock, Uri address)
    {
        _factory = factory;
        Sink = sink;
        Clock = clock;
        Address = address;
    }

    public ChargerRecordingSink Sink { get; }

    public VirtualTimeProvider Clock { get; }

    public Uri Address { get; }

    public Uri OcppEndpoint => new(Address.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "ocpp");

    public static ChargerGatewayHost Launch(string connectionString)
    {
        var sink = new ChargerRecordingSink();
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
        return new ChargerGatewayHost(factory, sink, clock, GatewayAddresses.Of(factory.Services).Public);
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}

// Runs a script from the node/ folder (NodeTools.Folder) to its end and returns its JSON lines.
public static class NodeScript
{
    public static string Folder => NodeTools.Folder;

    public static Task<(int ExitCode, List<JsonElement> Lines, string Errors)> RunAsync(string script, params string[] args)
        => RunWithInputAsync(script, null, args);

    public static async Task<(int ExitCode, List<JsonElement> Lines, string Errors)> RunWithInputAsync(string script, string? input, params string[] args)
    {
        NodeTools.RequirePackage("ocpp-rpc");
        var start = new ProcessStartInfo("node") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(limit.Token);
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        return (process.ExitCode, lines, await stderr);
    }
}
