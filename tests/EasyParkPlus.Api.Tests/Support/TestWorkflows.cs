using EasyParkPlus.Api.Endpoints;
using EasyParkPlus.Workflows;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Exceptions;
using Temporalio.Extensions.Hosting;
using Temporalio.Workflows;

namespace EasyParkPlus.Api.Tests.Support;

public sealed record BoothPayment(long AmountCents, string Booth);

public sealed record StuckStatus(string Phase, long PaidCents);

/// <summary>
/// Stands in for a run stuck waiting for an operator: it waits for the PaymentReceivedAtBooth signal and then
/// completes. Status is its query. Found by FacilityId/Plate like a parking session.
/// </summary>
[Workflow]
public sealed class StuckAtExitWorkflow
{
    private BoothPayment? _payment;

    [WorkflowQuery]
    public StuckStatus Status => new(_payment is null ? "AwaitingPayment" : "Paid", _payment?.AmountCents ?? 0);

    [WorkflowSignal]
    public Task PaymentReceivedAtBoothAsync(BoothPayment payment)
    {
        _payment = payment;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<string> RunAsync(string plate)
    {
        Workflow.UpsertTypedSearchAttributes(EasyParkSearchAttributes.FacilityId.ValueSet("BOS"), EasyParkSearchAttributes.Plate.ValueSet(plate));
        await Workflow.WaitConditionAsync(() => _payment is not null);
        return $"paid {_payment!.AmountCents} at {_payment.Booth}";
    }
}

/// <summary>Fails on purpose: "business" fails the run (a recorded failure), "bug" fails every workflow task.</summary>
[Workflow]
public sealed class FailingWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(string mode) => mode == "business"
        ? throw new ApplicationFailureException("The barrier reported a fault.", "BarrierFault", nonRetryable: true)
        : throw new InvalidOperationException("A bug in workflow code.");
}

/// <summary>
/// The api plus <see cref="StuckAtExitWorkflow"/> and <see cref="FailingWorkflow"/> on a worker of their own (task queue
/// <see cref="TaskQueue"/>, on the api's client), known to the operator endpoints.
/// </summary>
public sealed class ApiWithTestWorkflowsFixture : ApiFixture
{
    public const string TaskQueue = "api-test-workflows";

    // The console's charger live state comes from the gateway's internal API.
    protected override bool HostsGateway => true;

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton(new KnownWorkflow(typeof(StuckAtExitWorkflow)));
        services.AddSingleton(new KnownWorkflow(typeof(FailingWorkflow)));
        services.AddHostedTemporalWorker(TaskQueue).AddWorkflow<StuckAtExitWorkflow>().AddWorkflow<FailingWorkflow>();
    }
}
