using EasyParkPlus.Activities.Gateway;
using EasyParkPlus.Activities.Payments;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Billing;
using EasyParkPlus.Domain;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Charging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace EasyParkPlus.Activities.Charging;

// The hold lives in one billing.payments row keyed "{workflowId}/hold"; capture and cancel move that
// row on, each with its own Stripe Idempotency-Key, and return early when the row says it is done.
// Stripe replays its first answer for a repeated key, so a retry after a crash never moves money twice.
public sealed class ChargingActivities(
    EasyParkDbContext db, Stripe.StripeClient stripe, IGatewayClient gateway, TimeProvider time, ILogger<ChargingActivities> logger) : IChargingActivities
{
    public const string GatewayRejected = "GatewayRejected";

    [Activity("Charging.AuthoriseHold")]
    public async Task<HoldAuthorised> AuthoriseHoldAsync(HoldRequest request)
    {
        var key = request.IdempotencyKey;
        var payment = await db.Payments.SingleOrDefaultAsync(p => p.IdempotencyKey == key, CancellationToken);
        if (payment is { Status: PaymentStatus.RequiresCapture or PaymentStatus.Succeeded or PaymentStatus.Canceled, StripePaymentIntentId: { } existing })
        {
            return new HoldAuthorised(payment.Id, existing, payment.AmountAuthorized.Cents);
        }
        var card = await db.PaymentMethods.AsNoTracking()
            .Where(m => m.CustomerId == request.CustomerId && m.IsDefault)
            .Select(m => new { m.StripeCustomerId, m.StripePaymentMethodId })
            .SingleOrDefaultAsync(CancellationToken)
            ?? throw new ApplicationFailureException($"Customer {request.CustomerId} has no saved default card.", BillingErrors.NoSavedCard, nonRetryable: true);

        var now = time.GetUtcNow();
        if (payment is null)
        {
            db.Payments.Add(new Payment
            {
                Id = Guid.NewGuid(),
                IdempotencyKey = key,
                CustomerId = request.CustomerId,
                Status = PaymentStatus.Pending,
                CaptureMethod = CaptureMethod.Manual,
                Amount = Money.FromCents(request.AmountCents),
                CreatedAt = now,
                UpdatedAt = now,
            });
            await SaveIgnoringDuplicateAsync();
            payment = await db.Payments.SingleAsync(p => p.IdempotencyKey == key, CancellationToken);
        }

        Stripe.PaymentIntent intent;
        try
        {
            intent = await stripe.V1.PaymentIntents.CreateAsync(
                new Stripe.PaymentIntentCreateOptions
                {
                    Amount = request.AmountCents,
                    Currency = "usd",
                    CaptureMethod = "manual",
                    Customer = card.StripeCustomerId,
                    PaymentMethod = card.StripePaymentMethodId,
                    AllowedPaymentMethodTypes = ["card"],
                    Confirm = true,
                    // The driver is at the charger, not in the app: the saved card is charged without them.
                    OffSession = true,
                    Description = request.Description,
                    Metadata = new() { ["workflow_id"] = request.WorkflowId },
                },
                new Stripe.RequestOptions { IdempotencyKey = key }, CancellationToken);
        }
        catch (Exception exception) when (StripeFailure.From(exception, CancellationToken) is { } error)
        {
            Metrics.Payment("hold", Metrics.Outcome(error));
            if (error.IsRetryable)
            {
                // 5xx, 429, timeouts: the engine retries with the same key.
                throw error.ToRetryableFailure(exception);
            }
            payment.Status = PaymentStatus.Failed;
            payment.FailureCode = error.DeclineCode ?? error.Code ?? error.Kind.ToString();
            payment.FailureMessage = error.StripeMessage ?? error.Message;
            payment.UpdatedAt = now;
            await db.SaveChangesAsync(CancellationToken);
            ChargingLog.HoldDeclined(logger, request.WorkflowId, error.Code, error.DeclineCode, key);
            throw error.IsCardError
                ? new ApplicationFailureException(error.StripeMessage ?? "The card was declined.", BillingErrors.CardDeclined, nonRetryable: true)
                : new ApplicationFailureException($"Stripe refused the hold: {error.Message}", BillingErrors.PaymentRejected, nonRetryable: true);
        }

        payment.StripePaymentIntentId = intent.Id;
        payment.Status = intent.Status == "requires_capture" ? PaymentStatus.RequiresCapture : PaymentStatus.Processing;
        payment.AmountAuthorized = Money.FromCents(intent.AmountCapturable);
        payment.UpdatedAt = now;
        await db.SaveChangesAsync(CancellationToken);
        Metrics.Payment("hold", "succeeded", intent.AmountCapturable);
        ChargingLog.HoldAuthorised(logger, intent.AmountCapturable, request.WorkflowId, intent.Id, key);
        return new HoldAuthorised(payment.Id, intent.Id, intent.AmountCapturable);
    }

    [Activity("Charging.CaptureHold")]
    public async Task<HoldCaptured> CaptureHoldAsync(HoldCapture capture)
    {
        var payment = await db.Payments.SingleAsync(p => p.Id == capture.PaymentId, CancellationToken);
        if (payment.Status == PaymentStatus.Succeeded)
        {
            return new HoldCaptured(payment.Id, payment.AmountCaptured.Cents);
        }
        var intentId = payment.StripePaymentIntentId
            ?? throw new ApplicationFailureException($"Payment {payment.Id} has no authorised hold to capture.", BillingErrors.PaymentRejected, nonRetryable: true);
        // Never more than was authorised: the workflow charges anything above it separately.
        var amount = Math.Min(capture.AmountCents, payment.AmountAuthorized.Cents);
        Stripe.PaymentIntent intent;
        try
        {
            intent = await stripe.V1.PaymentIntents.CaptureAsync(
                intentId, new Stripe.PaymentIntentCaptureOptions { AmountToCapture = amount },
                new Stripe.RequestOptions { IdempotencyKey = capture.IdempotencyKey }, CancellationToken);
        }
        catch (Exception exception) when (StripeFailure.From(exception, CancellationToken) is { } error)
        {
            Metrics.Payment("capture", Metrics.Outcome(error));
            throw error.IsRetryable
                ? error.ToRetryableFailure(exception)
                : new ApplicationFailureException($"Stripe refused the capture: {error.Message}", BillingErrors.PaymentRejected, nonRetryable: true);
        }
        Metrics.Payment("capture", "succeeded", intent.AmountReceived);
        var now = time.GetUtcNow();
        payment.Status = PaymentStatus.Succeeded;
        payment.AmountCaptured = Money.FromCents(intent.AmountReceived);
        payment.InvoiceId ??= capture.InvoiceId;
        payment.UpdatedAt = now;
        if (capture.InvoiceId is { } invoiceId)
        {
            // Paid only when the capture covers it; otherwise the remainder charge marks it paid.
            var invoice = await db.Invoices.SingleOrDefaultAsync(i => i.Id == invoiceId, CancellationToken);
            if (invoice is { Status: InvoiceStatus.Open } && invoice.Total.Cents <= intent.AmountReceived)
            {
                invoice.Status = InvoiceStatus.Paid;
                invoice.PaidAt = now;
                invoice.UpdatedAt = now;
            }
        }
        await db.SaveChangesAsync(CancellationToken);
        ChargingLog.HoldCaptured(logger, intent.AmountReceived, intentId, capture.WorkflowId, capture.IdempotencyKey);
        return new HoldCaptured(payment.Id, intent.AmountReceived);
    }

    [Activity("Charging.CancelHold")]
    public async Task CancelHoldAsync(HoldRelease release)
    {
        var payment = await db.Payments.SingleAsync(p => p.Id == release.PaymentId, CancellationToken);
        if (payment.Status is PaymentStatus.Canceled or PaymentStatus.Succeeded || payment.StripePaymentIntentId is not { } intentId)
        {
            return;
        }
        try
        {
            await stripe.V1.PaymentIntents.CancelAsync(
                intentId, new Stripe.PaymentIntentCancelOptions { CancellationReason = "abandoned" },
                new Stripe.RequestOptions { IdempotencyKey = release.IdempotencyKey }, CancellationToken);
        }
        catch (Exception exception) when (StripeFailure.From(exception, CancellationToken) is { } error)
        {
            Metrics.Payment("cancel", Metrics.Outcome(error));
            throw error.IsRetryable
                ? error.ToRetryableFailure(exception)
                : new ApplicationFailureException($"Stripe refused to cancel the hold: {error.Message}", BillingErrors.PaymentRejected, nonRetryable: true);
        }
        Metrics.Payment("cancel", "succeeded");
        payment.Status = PaymentStatus.Canceled;
        payment.FailureMessage = release.Reason;
        payment.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(CancellationToken);
        ChargingLog.HoldCancelled(logger, intentId, release.WorkflowId, release.Reason);
    }

    [Activity("Charging.ReservePower")]
    public async Task<int> ReservePowerAsync(PowerReservation reservation)
    {
        try
        {
            return await gateway.ReservePowerAsync(reservation.FacilityId,
                new PowerRequest(reservation.SessionId.ToString(), reservation.StationId, reservation.EvseId, reservation.RequestedW), CancellationToken);
        }
        catch (GatewayRejectedException error)
        {
            throw Rejected("power reservation", reservation.StationId, error);
        }
    }

    [Activity("Charging.ReleasePower")]
    public async Task ReleasePowerAsync(PowerRelease release)
    {
        try
        {
            await gateway.ReleasePowerAsync(release.FacilityId, release.SessionId.ToString(), CancellationToken);
        }
        catch (GatewayRejectedException error)
        {
            // Nothing to release (an unknown session) is the state we wanted.
            ChargingLog.GatewayRefused(logger, "power release", release.SessionId.ToString(), error.Message);
        }
    }

    [Activity("Charging.StartTransaction")]
    public async Task<RemoteStartOutcome> StartTransactionAsync(RemoteStart start)
    {
        try
        {
            var result = await gateway.StartTransactionAsync(start.StationId, start.EvseId, start.IdToken, start.RemoteStartId, CancellationToken);
            return new RemoteStartOutcome(result.Accepted, result.TransactionId);
        }
        catch (GatewayRejectedException error)
        {
            ChargingLog.GatewayRefused(logger, "start", start.StationId, error.Message);
            return new RemoteStartOutcome(false, null);
        }
    }

    [Activity("Charging.StopTransaction")]
    public async Task<bool> StopTransactionAsync(RemoteStop stop)
    {
        try
        {
            return await gateway.StopTransactionAsync(stop.StationId, stop.TransactionId, CancellationToken);
        }
        catch (GatewayRejectedException error)
        {
            ChargingLog.GatewayRefused(logger, "stop", stop.StationId, error.Message);
            return false;
        }
    }

    [Activity("Charging.RecordSession")]
    public async Task RecordSessionAsync(ChargingSessionRecord record)
    {
        var closing = record.Closing;
        var status = closing is null ? "active" : closing.Failed ? "failed" : "completed";
        // Charger and EVSE rows come from the station id and EVSE number the charger reports.
        var written = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO charging.charging_sessions (id, workflow_id, charger_id, evse_id, transaction_id, customer_id, status,
                started_device_at, started_received_at, ended_device_at, ended_received_at, meter_start_wh, meter_stop_wh, energy_wh,
                idle_seconds, billed_idle_minutes, session_fee_cents, energy_charge_cents, idle_fee_cents, total_cents, stop_reason,
                created_at, updated_at)
            SELECT {record.SessionId}, {record.WorkflowId}, c.id, e.id, {record.TransactionId}, {record.CustomerId}, {status},
                {record.StartedDeviceAt.ToUniversalTime()}, {record.RecordedAt.ToUniversalTime()}, {closing?.EndedDeviceAt?.ToUniversalTime()},
                {(closing is null ? null : record.RecordedAt.ToUniversalTime())}, {record.MeterStartWh}, {closing?.MeterStopWh}, {closing?.EnergyWh ?? 0},
                {closing?.IdleSeconds ?? 0}, {closing?.BilledIdleMinutes ?? 0}, {closing?.SessionFeeCents ?? 0}, {closing?.EnergyChargeCents ?? 0},
                {closing?.IdleFeeCents ?? 0}, {closing?.TotalCents ?? 0}, {closing?.StopReason}, {record.RecordedAt.ToUniversalTime()}, {record.RecordedAt.ToUniversalTime()}
            FROM charging.chargers c JOIN charging.evses e ON e.charger_id = c.id AND e.evse_number = {record.EvseId}
            WHERE c.station_id = {record.StationId}
            ON CONFLICT (workflow_id) DO UPDATE SET
                customer_id = excluded.customer_id, status = excluded.status, meter_start_wh = excluded.meter_start_wh,
                ended_device_at = excluded.ended_device_at, ended_received_at = excluded.ended_received_at, meter_stop_wh = excluded.meter_stop_wh,
                energy_wh = excluded.energy_wh, idle_seconds = excluded.idle_seconds, billed_idle_minutes = excluded.billed_idle_minutes,
                session_fee_cents = excluded.session_fee_cents, energy_charge_cents = excluded.energy_charge_cents,
                idle_fee_cents = excluded.idle_fee_cents, total_cents = excluded.total_cents, stop_reason = excluded.stop_reason,
                updated_at = excluded.updated_at
            """, CancellationToken);
        if (written == 0)
        {
            // An EVSE we do not know cannot hold up the bill; the workflow and invoice still carry everything.
            ChargingLog.SessionNotRecorded(logger, record.WorkflowId, record.StationId, record.EvseId);
            return;
        }
        // The session's meter readings and charging-state changes as the charger reported them, copied next to the session
        // for reports; the gateway owns the events and hands them over through its internal API (an unreachable gateway
        // fails this attempt, after the row above is written, and the retry copies them). Unique keys make a retry change nothing.
        var events = await gateway.ReadTransactionEventsAsync(record.StationId, record.TransactionId, CancellationToken);
        var readings = events.Where(e => e.EnergyWh is not null).ToList();
        if (readings.Count > 0)
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO charging.energy_readings (charging_session_id, seq_no, device_at, received_at, energy_wh)
                SELECT s.id, r.seq_no, r.device_at, r.received_at, r.energy_wh
                FROM charging.charging_sessions s
                CROSS JOIN unnest({readings.Select(e => e.SeqNo).ToArray()}, {readings.Select(e => e.DeviceTime.ToUniversalTime()).ToArray()},
                    {readings.Select(e => e.ReceivedAt.ToUniversalTime()).ToArray()}, {readings.Select(e => e.EnergyWh!.Value).ToArray()})
                    AS r(seq_no, device_at, received_at, energy_wh)
                WHERE s.workflow_id = {record.WorkflowId}
                ON CONFLICT (charging_session_id, seq_no, device_at) DO NOTHING
                """, CancellationToken);
        }
        var states = events.Select(e => (Event: e, State: ChargingStateName(e.ChargingState))).Where(e => e.State is not null).ToList();
        if (states.Count > 0)
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO charging.charging_state_events (charging_session_id, seq_no, device_at, received_at, state)
                SELECT s.id, r.seq_no, r.device_at, r.received_at, r.state
                FROM charging.charging_sessions s
                CROSS JOIN unnest({states.Select(e => e.Event.SeqNo).ToArray()}, {states.Select(e => e.Event.DeviceTime.ToUniversalTime()).ToArray()},
                    {states.Select(e => e.Event.ReceivedAt.ToUniversalTime()).ToArray()}, {states.Select(e => e.State!).ToArray()})
                    AS r(seq_no, device_at, received_at, state)
                WHERE s.workflow_id = {record.WorkflowId}
                ON CONFLICT (charging_session_id, seq_no) DO NOTHING
                """, CancellationToken);
        }
    }

    // OCPP 2.0.1 chargingState → charging.charging_state_events.state; an event without a state records no change.
    private static string? ChargingStateName(string? chargingState) => chargingState switch
    {
        "Charging" => "charging",
        "EVConnected" => "ev_connected",
        "SuspendedEV" => "suspended_ev",
        "SuspendedEVSE" => "suspended_evse",
        "Idle" => "idle",
        _ => null,
    };

    [Activity("Charging.RaiseOperatorAlert")]
    public async Task RaiseOperatorAlertAsync(ChargingAlert alert)
    {
        // The operator alerts table (0002) allows one alert per workflow and kind.
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO parking.operator_alerts (id, workflow_id, facility_id, kind, message, raised_at)
            VALUES ({Guid.NewGuid()}, {alert.WorkflowId}, {alert.FacilityId}, {alert.Kind}, {alert.Message}, {alert.RaisedAt.ToUniversalTime()})
            ON CONFLICT (workflow_id, kind) DO NOTHING
            """, CancellationToken);
        if (inserted > 0)
        {
            ChargingLog.OperatorAlertRaised(logger, alert.Kind, alert.WorkflowId, alert.FacilityId, alert.Message);
        }
    }

    private ApplicationFailureException Rejected(string command, string stationId, GatewayRejectedException error)
    {
        ChargingLog.GatewayRefused(logger, command, stationId, error.Message);
        return new ApplicationFailureException($"The gateway refused the {command}: {error.Message}", GatewayRejected, nonRetryable: true);
    }

    private async Task SaveIgnoringDuplicateAsync()
    {
        try
        {
            await db.SaveChangesAsync(CancellationToken);
        }
        catch (DbUpdateException error) when (error.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // A concurrent attempt inserted the same key first; the caller reads its row.
            db.ChangeTracker.Clear();
        }
    }

    private static CancellationToken CancellationToken =>
        ActivityExecutionContext.HasCurrent ? ActivityExecutionContext.Current.CancellationToken : default;
}
