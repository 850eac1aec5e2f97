using EasyParkPlus.Engine.Hosting;
using EasyParkPlus.Workflows.Reservations;

namespace EasyParkPlus.Workflows.Parking;

public static class ParkingWorkflowsRegistration
{
    // The ParkingSession and Reservation workflows; their activities come from AddParkingActivities.
    public static WorkflowEngineBuilder AddParkingWorkflows(this WorkflowEngineBuilder builder) =>
        builder.AddWorkflow<ParkingSession>().AddWorkflow<Reservation>();
}
