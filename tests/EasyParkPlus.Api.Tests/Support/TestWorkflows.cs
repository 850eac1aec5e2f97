using EasyParkPlus.Engine;
using EasyParkPlus.Engine.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace EasyParkPlus.Api.Tests.Support;

public sealed record BoothPayment(long AmountCents, string Booth);

public sealed record StuckStatus(string Phase, long PaidCents);

/// <summary>
/// Stands in for a parking session stuck at the exit waiting for payment, until the parking workflow is merged:
/// it waits for the operator's PaymentReceivedAtBooth signal and then completes. Status is its query.
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
        Workflow.UpsertSearchAttributes(new Dictionary<string, object?> { ["FacilityId"] = "BOS", ["Plate"] = plate });
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

/// <summary>The api plus <see cref="StuckAtExitWorkflow"/> and <see cref="FailingWorkflow"/> on its worker.</summary>
public sealed class ApiWithTestWorkflowsFixture : ApiFixture
{
    // The console's charger live state comes from the gateway's internal API.
    protected override bool HostsGateway => true;

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddWorkflowEngine().AddWorkflow<StuckAtExitWorkflow>().AddWorkflow<FailingWorkflow>();
}
