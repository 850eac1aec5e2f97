using Temporalio.Activities;

namespace EasyParkPlus.Workflows.Parking;

public interface IParkingActivities
{
    // Checks the facility, plate, reservation and subscription; denial is a result, not a failure.
    [Activity("Parking.ValidateEntry")]
    Task<EntryValidation> ValidateEntryAsync(EntryValidationRequest request);

    // Assigns a space (SpaceAllocator) and records the session; the same session gets the same space on retry.
    [Activity("Parking.AllocateSpace")]
    Task<SpaceAssignment> AllocateSpaceAsync(SpaceRequest request);

    [Activity("Parking.OpenGate")]
    Task OpenGateAsync(GateOpening opening);

    // Shows a driver at the gate why the barrier stays closed.
    [Activity("Parking.ShowGateMessage")]
    Task ShowGateMessageAsync(GateMessage message);

    [Activity("Parking.ReleaseSpace")]
    Task ReleaseSpaceAsync(SpaceRelease release);

    // One alert per (workflow, kind): a retried activity does not page operators twice.
    [Activity("Parking.RaiseOperatorAlert")]
    Task RaiseOperatorAlertAsync(OperatorAlertRequest alert);

    [Activity("Parking.CloseSession")]
    Task CloseSessionAsync(SessionClosing closing);
}
