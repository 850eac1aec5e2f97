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

/// <summary>The api plus <see cref="StuckAtExitWorkflow"/> on its worker.</summary>
public sealed class ApiWithTestWorkflowsFixture : ApiFixture
{
    protected override void ConfigureServices(IServiceCollection services) => services.AddWorkflowEngine().AddWorkflow<StuckAtExitWorkflow>();
}
