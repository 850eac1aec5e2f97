using EasyParkPlus.TestSupport;
using Temporalio.Client;
using Temporalio.Testing;

namespace EasyParkPlus.TemporalConformance.Tests.Infrastructure;

/// <summary>A server shared by a test collection (one process start per collection), and a client for it.</summary>
public abstract class ServerFixture : IAsyncLifetime
{
    public WorkflowEnvironment? Environment { get; private set; }
    public ITemporalClient Client { get; private set; } = null!;

    private OwnServerProcess? _ownProcess;

    public async Task InitializeAsync()
    {
        if (ConformanceTarget.RealServerAddress is { } address && !TimeSkipping)
        {
            Client = await TemporalClient.ConnectAsync(new(address) { Namespace = ConformanceTarget.RealServerNamespace });
            return;
        }
        if (ConformanceTarget.OnRealServer)
        {
            return;
        }
        if (TimeSkipping)
        {
            Environment = await StartTimeSkippingWithRetriesAsync();
            Client = Environment.Client;
            return;
        }
        try
        {
            Environment = await WorkflowEnvironment.StartLocalAsync(new()
            {
                DevServerOptions = new() { ExistingPath = TemporalServerExecutable.Path, ExtraArgs = [.. StoreArguments] },
            });
            Client = Environment.Client;
        }
        catch (InvalidOperationException e) when (IsStartupDeadline(e))
        {
            // The same executable and command line, launched by us with a deadline a busy machine can meet.
            _ownProcess = await OwnServerProcess.StartDevServerAsync(StoreArguments);
            Client = _ownProcess.Client;
        }
    }

    private static string[] StoreArguments => ["--store", ConformanceTarget.Store];

    // The SDK gives a server it launches 5 s to answer; on a machine busy with other builds a start can miss that.
    private static bool IsStartupDeadline(InvalidOperationException e) => e.Message.Contains("did not start within", StringComparison.Ordinal);

    private static async Task<WorkflowEnvironment> StartTimeSkippingWithRetriesAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WorkflowEnvironment.StartTimeSkippingAsync(new() { TestServer = new() { ExistingPath = TemporalServerExecutable.Path } });
            }
            catch (InvalidOperationException e) when (IsStartupDeadline(e))
            {
                if (attempt == 2)
                {
                    return await OwnTimeSkippingEnvironment.StartAsync();
                }
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (Environment is not null)
        {
            await Environment.ShutdownAsync();
        }
        if (_ownProcess is not null)
        {
            await _ownProcess.DisposeAsync();
        }
    }

    protected abstract bool TimeSkipping { get; }
}

/// <summary>Our server as a dev server (wall clock), or the real Temporal server named by TEMPORAL_ADDRESS.</summary>
public sealed class DevServerFixture : ServerFixture
{
    protected override bool TimeSkipping => false;
}

/// <summary>Our server as the time-skipping test server (launched as the SDK launches Temporal's test server).</summary>
public sealed class TimeSkippingFixture : ServerFixture
{
    protected override bool TimeSkipping => true;
}

[CollectionDefinition(Name)]
public sealed class DevServerCollection : ICollectionFixture<DevServerFixture>
{
    public const string Name = "dev server";
}

[CollectionDefinition(Name)]
public sealed class TimeSkippingCollection : ICollectionFixture<TimeSkippingFixture>
{
    public const string Name = "time-skipping server";
}
