using EasyParkPlus.Data;
using EasyParkPlus.Data.Accounts;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Reservations;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.Workflows;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using ParkingSessionRow = EasyParkPlus.Data.Parking.ParkingSession;
using ParkingSessionStatus = EasyParkPlus.Data.Parking.ParkingSessionStatus;

namespace EasyParkPlus.OcppGateway.Workflows;

/// <summary>
/// Turns a stored gate event into a workflow step, finding workflows by business key only. Delivery is at least once,
/// so every step is idempotent: an entry's session id is derived from the gate and its event id (a redelivered entry
/// meets the workflow it started: UseExisting), and the gate and event id are the signals' request id (a redelivered
/// exit or arrival is recorded once).
/// Event ids are only unique per gate (a controller's own sequence, often counting from 1), so another gate's event
/// with the same id is a different car. An exit signals the stay its entry started: the parking session row its
/// workflow wrote when it took its space (facility and plate, still active). A reservation is found by the row its
/// workflow wrote when it held capacity. An event that cannot be routed yet (an exit whose entry has not been
/// processed) throws, which leaves it pending in the gate outbox to be retried with back-off: nothing is dropped.
/// </summary>
public sealed partial class GateEventRouter(
    ITemporalClient workflows, EasyParkDbContext db, IOptions<TemporalOptions> taskQueue, ILogger<GateEventRouter> logger)
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
            await workflows.SignalOnceAsync(reservationId, "VehicleArrived", new ReservationArrival(sessionId, plate, entryAt, detected.GateId)
            {
                ReceivedAt = detected.ReceivedAt,
                EntryClock = clock,
            }, RequestIdFor(detected), cancellationToken);
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
        await workflows.StartWorkflowAsync((ParkingSession s) => s.RunAsync(input), new WorkflowOptions(workflowId, taskQueue.Value.TaskQueue)
        {
            // A redelivered entry meets the run it started (and a closed one is not started again).
            IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting,
            IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate,
            TypedSearchAttributes = EasyParkSearchAttributes.Collection(
                (EasyParkSearchAttributes.FacilityId, detected.FacilityId),
                (EasyParkSearchAttributes.Plate, plate),
                (EasyParkSearchAttributes.CustomerId, vehicle?.CustomerId.ToString())),
            Rpc = new() { CancellationToken = cancellationToken },
        });
        LogEntered(plate, detected.FacilityId, workflowId);
    }

    private async Task ExitAsync(GateVehicleDetected detected, string plate, CancellationToken cancellationToken)
    {
        // The stay's own row (written with its space, closed when the stay ends): the newest active one for this plate here.
        var workflowId = await db.Set<ParkingSessionRow>().AsNoTracking()
            .Where(s => s.FacilityId == detected.FacilityId && s.Plate == plate && s.Status == ParkingSessionStatus.Active)
            .OrderByDescending(s => s.EntryDeviceAt).Select(s => s.WorkflowId).FirstOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException(
                $"No active parking session for plate {plate} at {detected.FacilityId}; the exit stays pending until its entry is processed or an operator resolves it.");
        var (exitAt, clock) = TrustedTime(detected);
        await workflows.SignalOnceAsync(workflowId, "VehicleExited",
            new VehicleExit(exitAt, detected.GateId) { ReceivedAt = detected.ReceivedAt, Clock = clock }, RequestIdFor(detected), cancellationToken);
        LogExited(plate, detected.FacilityId, workflowId);
    }

    // The plate's reservation this entry fulfils: by the entry's trusted time, at or before its arrival deadline (an entry
    // replayed from an offline buffer may reach us after the deadline, while the reservation still waits for it). Of
    // several, the one due first. Candidates are the rows the reservations' workflows wrote when they held capacity;
    // each one's own Status query decides.
    private async Task<string?> FindReservationAsync(string facilityId, string plate, DateTimeOffset enteredAt, CancellationToken cancellationToken)
    {
        var candidates = await db.Reservations.AsNoTracking()
            .Where(r => r.FacilityId == facilityId && r.Plate == plate && (r.Status == ReservationStatus.Booked || r.Status == ReservationStatus.NoShow))
            .OrderBy(r => r.SlotStart).Select(r => r.WorkflowId).Take(20).ToListAsync(cancellationToken);
        (string WorkflowId, DateTimeOffset Deadline)? best = null;
        foreach (var workflowId in candidates)
        {
            ReservationStatusView status;
            try
            {
                status = await workflows.GetWorkflowHandle<Reservation>(workflowId).QueryAsync(r => r.Status,
                    new() { RejectCondition = QueryRejectCondition.NotOpen, Rpc = new() { CancellationToken = cancellationToken } });
            }
            catch (WorkflowQueryRejectedException)
            {
                // Closed since its row was read: it no longer waits for anyone.
                continue;
            }
            if (status.State is not (ReservationStates.Cancelled or ReservationStates.Rejected or ReservationStates.Fulfilled)
                && enteredAt <= status.ArrivalDeadline && (best is null || status.ArrivalDeadline < best.Value.Deadline))
            {
                best = (workflowId, status.ArrivalDeadline);
            }
        }
        return best?.WorkflowId;
    }

    // The device's time, or its arrival when the gateway did not trust the device's clock (and the flag that says so).
    private static (DateTimeOffset At, DeviceClockFlag? Clock) TrustedTime(GateVehicleDetected detected) =>
        detected is { ClockFlag: { } reason, ReceivedAt: { } received }
            ? (received, new DeviceClockFlag(detected.Timestamp, received, reason))
            : (detected.Timestamp, null);

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
