using EasyParkPlus.Data;
using EasyParkPlus.Data.Accounts;
using EasyParkPlus.Domain;
using EasyParkPlus.Engine;
using EasyParkPlus.Engine.Store;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;
using Microsoft.EntityFrameworkCore;

namespace EasyParkPlus.OcppGateway.Workflows;

/// <summary>
/// Turns a stored gate event into a workflow step. Delivery is at least once, so every step is idempotent by the
/// gate and its event id: the session id is derived from both and the pair doubles as the start's and the signals'
/// request id. Event ids are only unique per gate (a controller's own sequence, often counting from 1), so another
/// gate's event with the same id is a different car. An event that cannot be routed yet (an exit whose entry has not
/// been processed) throws, which leaves it pending in the gate outbox to be retried with back-off: nothing is dropped.
/// </summary>
public sealed partial class GateEventRouter(IWorkflowClient workflows, EasyParkDbContext db, ILogger<GateEventRouter> logger)
{
    public async Task RouteAsync(GateVehicleDetected detected, CancellationToken cancellationToken)
    {
        if (!LicensePlate.TryNormalize(detected.Plate, out var plate))
        {
            // The camera could not read a usable plate: an attendant has to handle the car; retrying cannot help.
            LogUnreadablePlate(detected.EventId, detected.GateId);
            return;
        }
        if (detected.Direction == GateEventDirection.Entry)
        {
            await EnterAsync(detected, plate, cancellationToken);
        }
        else
        {
            await ExitAsync(detected, plate, cancellationToken);
        }
    }

    private async Task EnterAsync(GateVehicleDetected detected, string plate, CancellationToken cancellationToken)
    {
        var sessionId = SessionIdFor(detected.GateId, detected.EventId);
        var (entryAt, clock) = TrustedTime(detected);
        // Matched by the trusted time too: a device clock the gateway flagged cannot claim a reservation's deadline.
        if (await FindReservationAsync(detected.FacilityId, plate, entryAt, cancellationToken) is { } reservationId)
        {
            // The reservation hands over to a parking session that credits its prepayment.
            await workflows.GetWorkflowHandle<Reservation>(reservationId).SignalAsync(
                r => r.VehicleArrivedAsync(new ReservationArrival(sessionId, plate, entryAt, detected.GateId)
                {
                    ReceivedAt = detected.ReceivedAt,
                    EntryClock = clock,
                }),
                requestId: RequestIdFor(detected), cancellationToken: cancellationToken);
            LogArrivedForReservation(plate, detected.FacilityId, reservationId);
            return;
        }

        var vehicle = await db.Set<Vehicle>().AsNoTracking().FirstOrDefaultAsync(v => v.Plate == plate, cancellationToken);
        // A registered EV is given an EV space so it can charge; everyone else a regular one. Accessible spaces
        // are assigned by an attendant or from the app, where the driver can say so.
        var spaceType = vehicle?.Fuel == FuelType.Ev ? SpaceType.Ev : SpaceType.Regular;
        var input = new ParkingSessionInput(sessionId, detected.FacilityId, plate, spaceType, entryAt, detected.GateId,
            CustomerId: vehicle?.CustomerId)
        {
            EntryReceivedAt = detected.ReceivedAt,
            EntryClock = clock,
        };
        var workflowId = ParkingWorkflowIds.ForSession(sessionId);
        await workflows.StartWorkflowAsync((ParkingSession s) => s.RunAsync(input), new WorkflowOptions(workflowId, ParkingWorkflowIds.TaskQueue)
        {
            RequestId = RequestIdFor(detected),
            IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting,
            SearchAttributes = new Dictionary<string, object?>
            {
                ["FacilityId"] = detected.FacilityId,
                ["Plate"] = plate,
                ["CustomerId"] = vehicle?.CustomerId.ToString(),
            },
        }, cancellationToken);
        LogEntered(plate, detected.FacilityId, workflowId);
    }

    private async Task ExitAsync(GateVehicleDetected detected, string plate, CancellationToken cancellationToken)
    {
        var session = await FindRunningAsync(nameof(ParkingSession), detected.FacilityId, plate, cancellationToken)
            ?? throw new InvalidOperationException(
                $"No running parking session for plate {plate} at {detected.FacilityId}; the exit stays pending until its entry is processed or an operator resolves it.");
        var (exitAt, clock) = TrustedTime(detected);
        await workflows.GetWorkflowHandle<ParkingSession>(session.WorkflowId).SignalAsync(
            s => s.VehicleExitedAsync(new VehicleExit(exitAt, detected.GateId) { ReceivedAt = detected.ReceivedAt, Clock = clock }),
            requestId: RequestIdFor(detected), cancellationToken: cancellationToken);
        LogExited(plate, detected.FacilityId, session.WorkflowId);
    }

    // The plate's reservation this entry fulfils: by the entry's trusted time, at or before its arrival deadline (an entry
    // replayed from an offline buffer may reach us after the deadline, while the reservation still waits for it). Of
    // several, the one due first.
    private async Task<string?> FindReservationAsync(string facilityId, string plate, DateTimeOffset enteredAt, CancellationToken cancellationToken)
    {
        var running = await workflows.ListWorkflowsAsync(new WorkflowListQuery
        {
            WorkflowType = nameof(Reservation),
            Statuses = [WorkflowStatus.Running],
            SearchAttributes = new Dictionary<string, object?> { ["FacilityId"] = facilityId, ["Plate"] = plate },
            PageSize = 20,
        }, cancellationToken);
        (string WorkflowId, DateTimeOffset Deadline)? best = null;
        foreach (var execution in running.Executions)
        {
            var status = await workflows.GetWorkflowHandle<Reservation>(execution.WorkflowId).QueryAsync(r => r.Status, cancellationToken);
            if (status.State is not (ReservationStates.Cancelled or ReservationStates.Rejected or ReservationStates.Fulfilled)
                && enteredAt <= status.ArrivalDeadline && (best is null || status.ArrivalDeadline < best.Value.Deadline))
            {
                best = (execution.WorkflowId, status.ArrivalDeadline);
            }
        }
        return best?.WorkflowId;
    }

    // The device's time, or its arrival when the gateway did not trust the device's clock (and the flag that says so).
    private static (DateTimeOffset At, DeviceClockFlag? Clock) TrustedTime(GateVehicleDetected detected) =>
        detected is { ClockFlag: { } reason, ReceivedAt: { } received }
            ? (received, new DeviceClockFlag(detected.Timestamp, received, reason))
            : (detected.Timestamp, null);

    private Task<WorkflowExecutionInfo?> FindRunningAsync(string workflowType, string facilityId, string plate, CancellationToken cancellationToken) =>
        workflows.FindRunningAsync(workflowType, new Dictionary<string, object?> { ["FacilityId"] = facilityId, ["Plate"] = plate }, cancellationToken);

    public static Guid SessionIdFor(string gateId, string eventId) => WorkflowLookup.StableId($"gate-entry:{gateId}/{eventId}");

    private static string RequestIdFor(GateVehicleDetected detected) => $"gate:{detected.GateId}/{detected.EventId}";

    [LoggerMessage(LogLevel.Warning, "Gate event {EventId} at {GateId} has no readable plate; left to an attendant")]
    private partial void LogUnreadablePlate(string eventId, string gateId);

    [LoggerMessage(LogLevel.Information, "Plate {Plate} arrived at {FacilityId} for reservation {WorkflowId}")]
    private partial void LogArrivedForReservation(string plate, string facilityId, string workflowId);

    [LoggerMessage(LogLevel.Information, "Plate {Plate} entered {FacilityId}: {WorkflowId}")]
    private partial void LogEntered(string plate, string facilityId, string workflowId);

    [LoggerMessage(LogLevel.Information, "Plate {Plate} left {FacilityId}: signalled {WorkflowId}")]
    private partial void LogExited(string plate, string facilityId, string workflowId);
}
