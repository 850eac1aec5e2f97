using EasyParkPlus.Engine.Hosting;
using EasyParkPlus.Workflows.Subscriptions;

namespace EasyParkPlus.Workflows.Charging;

public static class ChargingWorkflowsRegistration
{
    // The ChargingSession and SubscriptionRenewal workflows; their activities come from AddChargingActivities.
    public static WorkflowEngineBuilder AddChargingWorkflows(this WorkflowEngineBuilder builder) =>
        builder.AddWorkflow<ChargingSession>().AddWorkflow<SubscriptionRenewal>();
}
