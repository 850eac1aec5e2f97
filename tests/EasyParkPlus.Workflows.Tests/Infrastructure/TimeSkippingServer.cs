using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.TestSupport;
using Temporalio.Testing;

namespace EasyParkPlus.Workflows.Tests.Infrastructure;

/// <summary>
/// Our Temporal-compatible server started as the SDK's time-skipping test server (one process for the whole
/// collection), with the application's search attributes registered as a host registers them at start-up (SearchAttributeRegistration).
/// </summary>
public sealed class TimeSkippingServer : IAsyncLifetime
{
    public WorkflowEnvironment Environment { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Environment = await StartWithRetriesAsync();
        await SearchAttributeRegistration.RegisterAsync(Environment.Client, Environment.Client.Options.Namespace, EasyParkSearchAttributes.All);
    }

    // The SDK gives a server it launches 5 s to answer; on a machine busy with other builds a start can miss that (at load
    // 30-40 on 2 cores three attempts all missed it and the whole collection failed), so it tries a few more times.
    private static async Task<WorkflowEnvironment> StartWithRetriesAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WorkflowEnvironment.StartTimeSkippingAsync(new() { TestServer = new() { ExistingPath = TemporalServerExecutable.Path } });
            }
            catch (InvalidOperationException e) when (attempt < 8 && e.Message.Contains("did not start within", StringComparison.Ordinal))
            {
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (Environment is not null)
        {
            await Environment.ShutdownAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TimeSkippingCollection : ICollectionFixture<TimeSkippingServer>
{
    public const string Name = "time-skipping server";
}
