using EasyParkPlus.Activities.Billing;
using EasyParkPlus.Activities.Gateway;
using EasyParkPlus.Data.Parking;
using EasyParkPlus.Data;
using EasyParkPlus.Domain.Reservations;
using EasyParkPlus.Domain.Subscriptions;
using EasyParkPlus.Domain;
using EasyParkPlus.Workflows.Parking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using ParkingSessionRow = EasyParkPlus.Data.Parking.ParkingSession;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace EasyParkPlus.Activities.Parking;

public sealed class ParkingActivities(
    EasyParkDbContext db, SpaceAllocator allocator, IGatewayClient gateway, TimeProvider time, IOptions<ParkingPolicyOptions> policy,
    ILogger<ParkingActivities> logger) : IParkingActivities
{
    [Activity("Parking.ValidateEntry")]
    public async Task<EntryValidation> ValidateEntryAsync(EntryValidationRequest request)
    {
        if (!LicensePlate.TryNormalize(request.Plate, out var plate))
        {
            return EntryValidation.Deny(request.Plate, $"'{request.Plate}' is not a readable licence plate.");
        }
        if (!await db.Facilities.AnyAsync(f => f.Id == request.FacilityId, CancellationToken))
        {
            return EntryValidation.Deny(plate, $"Unknown facility '{request.FacilityId}'.");
        }

        var customerId = request.CustomerId;
        long credit = 0;
        if (request.ReservationId is { } reservationId)
        {
            var reservation = await db.Reservations.AsNoTracking().SingleOrDefaultAsync(r => r.Id == reservationId, CancellationToken);
            if (reservation is null)
            {
                return EntryValidation.Deny(plate, $"Reservation {reservationId} does not exist.");
            }
            if (reservation.FacilityId != request.FacilityId)
            {
                return EntryValidation.Deny(plate, $"Reservation {reservationId} is for {reservation.FacilityId}, not {request.FacilityId}.");
            }
            if (reservation.Status is ReservationStatus.Cancelled or ReservationStatus.NoShow)
            {
                return EntryValidation.Deny(plate, $"Reservation {reservationId} is {reservation.Status.ToString().ToLowerInvariant()}.");
            }
            customerId ??= reservation.CustomerId;
            credit = Math.Max(0, reservation.Prepaid.Cents - reservation.Refunded.Cents);
        }
        if (customerId is null)
        {
            // A plate registered to exactly one customer identifies the driver at the gate.
            var owners = await db.Vehicles.AsNoTracking().Where(v => v.Plate == plate).Select(v => v.CustomerId).Distinct().Take(2).ToListAsync(CancellationToken);
            customerId = owners.Count == 1 ? owners[0] : null;
        }

        Guid? subscriptionId = null;
        var hasCard = false;
        if (customerId is { } customer)
        {
            // The active passes as the subscriptions workflow keeps them, read at the entry's own time.
            subscriptionId = await db.Subscriptions.AsNoTracking()
                .Where(s => s.CustomerId == customer && s.Status == SubscriptionStatus.Active
                    && (s.FacilityId == null || s.FacilityId == request.FacilityId)
                    && s.CurrentPeriodStart <= request.EntryAt && s.CurrentPeriodEnd > request.EntryAt)
                .Select(s => (Guid?)s.Id)
                .FirstOrDefaultAsync(CancellationToken);
            hasCard = await db.PaymentMethods.AnyAsync(m => m.CustomerId == customer && m.IsDefault, CancellationToken);
        }
        return new EntryValidation(true, null, plate, customerId, subscriptionId, hasCard, credit)
        {
            AutoChargeCeilingCents = policy.Value.AutoChargeCeilingCents,
        };
    }

    [Activity("Parking.AllocateSpace")]
    public async Task<SpaceAssignment> AllocateSpaceAsync(SpaceRequest request)
    {
        // A session that has moved past entry keeps the space it had: running this step again late
        // (a replayed retry) must not occupy a space for a car that has already left.
        var recorded = await db.ParkingSessions.AsNoTracking()
            .Where(s => s.Id == request.SessionId && s.Status != ParkingSessionStatus.Active)
            .Select(s => new { s.SpaceId, Label = db.Spaces.Where(space => space.Id == s.SpaceId).Select(space => space.Label).FirstOrDefault() })
            .SingleOrDefaultAsync(CancellationToken);
        if (recorded is not null)
        {
            return new SpaceAssignment(true, recorded.SpaceId, recorded.Label, null);
        }
        var allocation = await allocator.AllocateAsync(
            request.FacilityId, request.SpaceType, request.SessionId, request.EntryAt, request.ReservationId, CancellationToken);
        if (!allocation.IsAllocated)
        {
            var reason = allocation.DenialReason ?? $"{request.FacilityId} has no free {request.SpaceType} space.";
            BillingLog.EntryDenied(logger, request.SessionId, request.FacilityId, reason);
            return new SpaceAssignment(false, null, null, reason);
        }
        if (!await db.ParkingSessions.AnyAsync(s => s.Id == request.SessionId, CancellationToken))
        {
            db.ParkingSessions.Add(new ParkingSessionRow
            {
                Id = request.SessionId,
                WorkflowId = request.WorkflowId,
                FacilityId = request.FacilityId,
                Plate = request.Plate,
                SpaceType = request.SpaceType,
                SpaceId = allocation.SpaceId,
                CustomerId = request.CustomerId,
                ReservationId = request.ReservationId,
                SubscriptionId = request.SubscriptionId,
                Status = ParkingSessionStatus.Active,
                EntryDeviceAt = request.EntryAt,
                EntryReceivedAt = time.GetUtcNow(),
            });
            try
            {
                await db.SaveChangesAsync(CancellationToken);
                Metrics.SessionsStarted.Add(1, new KeyValuePair<string, object?>("facility", request.FacilityId));
            }
            catch (DbUpdateException error) when (error.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                // An earlier attempt recorded the session already.
                db.ChangeTracker.Clear();
            }
        }
        BillingLog.SpaceAllocated(logger, request.SessionId, request.FacilityId, allocation.SpaceLabel);
        return new SpaceAssignment(true, allocation.SpaceId, allocation.SpaceLabel, null);
    }

    [Activity("Parking.OpenGate")]
    public async Task OpenGateAsync(GateOpening opening)
    {
        try
        {
            await gateway.OpenGateAsync(opening.GateId, opening.SessionId.ToString(), opening.Message, CancellationToken);
        }
        catch (GatewayRejectedException error)
        {
            // Offline or slow gates (GatewayUnavailableException) are retried; a refusal is not.
            throw new ApplicationFailureException($"Gate {opening.GateId} refused to open: {error.Message}", "GateRejected", nonRetryable: true);
        }
    }

    [Activity("Parking.ShowGateMessage")]
    public async Task ShowGateMessageAsync(GateMessage message)
    {
        try
        {
            await gateway.ShowGateMessageAsync(message.GateId, message.Text, CancellationToken);
        }
        catch (GatewayRejectedException error)
        {
            throw new ApplicationFailureException($"Gate {message.GateId} refused the message: {error.Message}", "GateRejected", nonRetryable: true);
        }
    }

    [Activity("Parking.ReleaseSpace")]
    public Task ReleaseSpaceAsync(SpaceRelease release) => allocator.ReleaseAsync(release.SessionId, release.At, CancellationToken);

    [Activity("Parking.RaiseOperatorAlert")]
    public async Task RaiseOperatorAlertAsync(OperatorAlertRequest alert)
    {
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO parking.operator_alerts (id, workflow_id, facility_id, kind, message, raised_at)
            VALUES ({Guid.NewGuid()}, {alert.WorkflowId}, {alert.FacilityId}, {alert.Kind}, {alert.Message}, {alert.RaisedAt.ToUniversalTime()})
            ON CONFLICT (workflow_id, kind) DO NOTHING
            """, CancellationToken);
        if (inserted > 0)
        {
            BillingLog.OperatorAlertRaised(logger, alert.Kind, alert.WorkflowId, alert.FacilityId, alert.Message);
        }
    }

    [Activity("Parking.CloseSession")]
    public async Task CloseSessionAsync(SessionClosing closing)
    {
        var session = await db.ParkingSessions.SingleOrDefaultAsync(s => s.Id == closing.SessionId, CancellationToken);
        if (session is null || session.Status == ParkingSessionStatus.Completed)
        {
            return;
        }
        var now = time.GetUtcNow();
        session.Status = ParkingSessionStatus.Completed;
        session.ExitDeviceAt = closing.ExitAt;
        session.ExitReceivedAt ??= now;
        session.Price = Money.FromCents(closing.PriceCents);
        session.PrepaidCredit = Money.FromCents(closing.CreditCents);
        session.AmountDue = Money.FromCents(closing.AmountDueCents);
        session.AmountPaid = Money.FromCents(closing.AmountPaidCents);
        session.UpdatedAt = now;
        await db.SaveChangesAsync(CancellationToken);
        Metrics.SessionsCompleted.Add(1, new KeyValuePair<string, object?>("facility", session.FacilityId));
    }

    private static CancellationToken CancellationToken =>
        ActivityExecutionContext.HasCurrent ? ActivityExecutionContext.Current.CancellationToken : default;
}
