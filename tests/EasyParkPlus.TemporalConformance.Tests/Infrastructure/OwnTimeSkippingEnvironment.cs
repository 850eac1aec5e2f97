using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Client.Interceptors;
using Temporalio.Testing;

namespace EasyParkPlus.TemporalConformance.Tests.Infrastructure;

/// <summary>
/// A time-skipping environment over our test server launched by <see cref="OwnServerProcess"/>, for when the SDK's
/// <c>StartTimeSkippingAsync</c> misses its fixed 5 s start-up deadline on a loaded machine. It behaves as the SDK's:
/// <see cref="DelayAsync"/> is UnlockTimeSkippingWithSleep, <see cref="GetCurrentTimeAsync"/> the server's clock, and
/// time skipping is unlocked while the client waits for a workflow's result.
/// </summary>
public sealed class OwnTimeSkippingEnvironment : WorkflowEnvironment
{
    private readonly OwnServerProcess _process;

    private OwnTimeSkippingEnvironment(ITemporalClient client, OwnServerProcess process)
        : base(client) => _process = process;

    public override bool SupportsTimeSkipping => true;

    public static async Task<OwnTimeSkippingEnvironment> StartAsync()
    {
        var process = await OwnServerProcess.StartTestServerAsync();
        var options = (TemporalClientOptions)process.Client.Options.Clone();
        options.Interceptors = [new UnlockWhileAwaitingResults(process.Client.Connection), .. options.Interceptors ?? []];
        return new OwnTimeSkippingEnvironment(new TemporalClient(process.Client.Connection, options), process);
    }

    public override Task DelayAsync(TimeSpan delay, CancellationToken? cancellationToken = null) =>
        Client.Connection.TestService.UnlockTimeSkippingWithSleepAsync(new() { Duration = Duration.FromTimeSpan(delay) }, new RpcOptions { CancellationToken = cancellationToken });

    public override async Task<DateTime> GetCurrentTimeAsync() => (await Client.Connection.TestService.GetCurrentTimeAsync(new())).Time.ToDateTime();

    public override Task ShutdownAsync() => _process.DisposeAsync().AsTask();

    /// <summary>A result is awaited by long-polling the close event: time skips meanwhile.</summary>
    private sealed class UnlockWhileAwaitingResults(ITemporalConnection connection) : IClientInterceptor
    {
        public ClientOutboundInterceptor InterceptClient(ClientOutboundInterceptor next) => new Outbound(next, connection);

        private sealed class Outbound(ClientOutboundInterceptor next, ITemporalConnection connection) : ClientOutboundInterceptor(next)
        {
            public override async Task<WorkflowHistoryEventPage> FetchWorkflowHistoryEventPageAsync(FetchWorkflowHistoryEventPageInput input)
            {
                if (!input.WaitNewEvent || input.EventFilterType != HistoryEventFilterType.CloseEvent)
                {
                    return await base.FetchWorkflowHistoryEventPageAsync(input);
                }
                await connection.TestService.UnlockTimeSkippingAsync(new());
                try
                {
                    return await base.FetchWorkflowHistoryEventPageAsync(input);
                }
                finally
                {
                    await connection.TestService.LockTimeSkippingAsync(new());
                }
            }
        }
    }
}
