using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Charging;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Workflows.Billing;
using Temporalio.Workflows;
using Temporalio.Common;
using Temporalio.Exceptions;

namespace EasyParkPlus.Workflows.Charging;

// One EV charge (workflow id charging-{sessionId}): hold → power → remote start → follow the charger's
// transaction events → price energy and idle time from device timestamps → capture → invoice.
[Workflow]
public sealed class ChargingSession
{
    private static ActivityOptions Quick => ActivityPresets.Quick;

    // Gateway commands: a device that stays offline is worth a few tries, not a day of them.
    private static ActivityOptions Command => new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(40),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(2), MaximumInterval = TimeSpan.FromSeconds(20), MaximumAttempts = 5 },
    };

    private static ActivityOptions Payment => new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(1),
        RetryPolicy = new RetryPolicy
        {
            InitialInterval = TimeSpan.FromSeconds(2),
            MaximumInterval = TimeSpan.FromMinutes(2),
            NonRetryableErrorTypes = [BillingErrors.CardDeclined, BillingErrors.NoSavedCard, BillingErrors.PaymentRejected],
        },
    };

    // Compensation must run even when the workflow is being cancelled.
    private static ActivityOptions Compensation => ActivityPresets.Compensation;

    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<ChargingStateChange> _changes = [];
    private ChargingSessionInput? _input;
    private string _state = ChargingStates.Authorising;
    private TransactionStarted? _started;
    private TransactionEnded? _ended;
    private StopRequest? _stop;
    private bool _stopSent;
    private long _events;
    private long _energyWh;
    private long? _meterStartWh;
    private long? _meterStopWh;
    private bool _recorded;
    private DateTimeOffset? _lastDeviceAt;
    private HoldAuthorised? _hold;
    private int _allocatedW;
    private string? _reason;

    [WorkflowQuery]
    public ChargingSessionStatusView Status => new(
        _state, _input?.SessionId ?? Guid.Empty, _input?.FacilityId ?? "", _input?.StationId ?? "",
        _started?.TransactionId ?? _ended?.TransactionId, _energyWh,
        (long)IdleClock.Measure(_changes, _ended?.Timestamp ?? _lastDeviceAt ?? default).Total.TotalSeconds,
        _changes.Count == 0 ? null : _changes.MaxBy(c => c.At).State,
        _hold?.AmountCents ?? 0, _allocatedW, _stop is not null, _reason);

    [WorkflowSignal]
    public Task TransactionStartedAsync(TransactionStarted started)
    {
        if (Accept(started.DedupeId, started.TransactionId, started.SeqNo))
        {
            _started ??= started;
            Observe(started.Timestamp, started.ChargingState, started.EnergyWh);
        }
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task TransactionUpdatedAsync(TransactionUpdated updated)
    {
        if (Accept(updated.DedupeId, updated.TransactionId, updated.SeqNo))
        {
            // An Updated before Started (events buffered by an offline charger) still proves the transaction runs.
            _started ??= new TransactionStarted(updated.TransactionId, updated.SeqNo, updated.Timestamp, null, null, updated.DedupeId);
            Observe(updated.Timestamp, updated.ChargingState, updated.EnergyWh);
        }
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task TransactionEndedAsync(TransactionEnded ended)
    {
        if (Accept(ended.DedupeId, ended.TransactionId, ended.SeqNo))
        {
            _started ??= new TransactionStarted(ended.TransactionId, ended.SeqNo, ended.Timestamp, null, null, ended.DedupeId);
            _ended ??= ended;
            // The gateway sends 0 when the Ended carried no meter value; as a register reading it would become the meter start.
            Observe(ended.Timestamp, null, ended.EnergyWh > 0 ? ended.EnergyWh : null);
        }
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task StopRequestedAsync(StopRequest stop)
    {
        _stop ??= stop;
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<ChargingSessionResult> RunAsync(ChargingSessionInput input)
    {
        _input = input;
        var settings = input.Settings ?? new ChargingSessionSettings();
        var workflowId = Workflow.Info.WorkflowId;
        Workflow.UpsertTypedSearchAttributes(input.SearchAttributeUpdates());

        // Started from the app: hold first, so a car never charges on a card that cannot pay.
        if (_started is null && input.CustomerId is { } payer)
        {
            try
            {
                _hold = await Workflow.ExecuteActivityAsync((IChargingActivities a) => a.AuthoriseHoldAsync(
                    new HoldRequest(workflowId, payer, settings.HoldCents, $"EV charging at {input.FacilityId} {input.StationId}")), Payment);
            }
            catch (ActivityFailureException failure) when (failure.InnerException is ApplicationFailureException declined)
            {
                _state = ChargingStates.Failed;
                _reason = $"The card hold was refused: {declined.Message}";
                return Result(ChargingOutcome.PaymentDeclined, null, 0, 0, 0, null);
            }
        }

        _state = ChargingStates.ReservingPower;
        _allocatedW = await Workflow.ExecuteActivityAsync((IChargingActivities a) => a.ReservePowerAsync(
            new PowerReservation(input.FacilityId, input.SessionId, input.StationId, input.EvseId, settings.RequestedW)), Command);

        if (_started is null)
        {
            _state = ChargingStates.Starting;
            if (input.IdToken is null)
            {
                return await AbandonAsync(input, ChargingOutcome.StartRejected, "The session has neither a transaction nor an id token to start one.", null);
            }
            RemoteStartOutcome start;
            try
            {
                var remoteStartId = ChargingWorkflowIds.RemoteStartIdFor(input.SessionId);
                start = await Workflow.ExecuteActivityAsync((IChargingActivities a) => a.StartTransactionAsync(
                    new RemoteStart(input.StationId, input.EvseId, input.IdToken, remoteStartId)), Command);
            }
            catch (ActivityFailureException failure)
            {
                return await AbandonAsync(input, ChargingOutcome.NeverStarted, $"The charger could not be asked to start: {failure.InnerException?.Message}", ChargingAlertKinds.NeverStarted);
            }
            if (!start.Accepted && _started is null)
            {
                return await AbandonAsync(input, ChargingOutcome.StartRejected, "The charger rejected the remote start.", null);
            }
            if (!await Workflow.WaitConditionAsync(() => _started is not null, settings.StartTimeout))
            {
                return await AbandonAsync(input, ChargingOutcome.NeverStarted,
                    $"The charger accepted the start but reported no transaction within {settings.StartTimeout}.", ChargingAlertKinds.NeverStarted);
            }
        }

        _state = ChargingStates.Charging;
        await RecordAsync(input, null);
        while (_ended is null)
        {
            var seen = _events;
            var woke = await Workflow.WaitConditionAsync(
                () => _ended is not null || _events != seen || (_stop is not null && !_stopSent), settings.SilenceTimeout);
            if (!woke)
            {
                return await AbandonAsync(input, ChargingOutcome.ChargerSilent,
                    $"Charger {input.StationId} sent no transaction event for {settings.SilenceTimeout}.", ChargingAlertKinds.Silent);
            }
            if (_stop is not null && !_stopSent && _ended is null)
            {
                _stopSent = true;
                _state = ChargingStates.Stopping;
                var stop = new RemoteStop(input.StationId, _started!.TransactionId);
                try
                {
                    await Workflow.ExecuteActivityAsync((IChargingActivities a) => a.StopTransactionAsync(stop), Command);
                }
                catch (ActivityFailureException failure)
                {
                    // The driver can still unplug; the silence timeout ends a session whose charger is gone.
                    _reason = $"The stop request failed: {failure.InnerException?.Message}";
                }
            }
        }

        return await BillAsync(input, settings, _ended);
    }

    private async Task<ChargingSessionResult> BillAsync(ChargingSessionInput input, ChargingSessionSettings settings, TransactionEnded ended)
    {
        var workflowId = Workflow.Info.WorkflowId;
        _state = ChargingStates.Billing;
        await Workflow.ExecuteActivityAsync((IChargingActivities a) => a.ReleasePowerAsync(new PowerRelease(input.FacilityId, input.SessionId)), Compensation);

        var tariff = new ChargingTariff
        {
            EnergyPerKwh = Money.FromCents(settings.EnergyPerKwhCents),
            SessionFee = Money.FromCents(settings.SessionFeeCents),
            IdlePerMinute = Money.FromCents(settings.IdlePerMinuteCents),
            IdleGrace = settings.IdleGrace,
        };
        var idle = IdleClock.Measure(_changes, ended.Timestamp);
        var price = ChargingPricing.Price(_energyWh, idle.Total, tariff);
        var idleMinutes = ChargingPricing.BillableIdleMinutes(idle.Total, tariff.IdleGrace);
        var invoice = await Workflow.ExecuteActivityAsync((IBillingActivities b) => b.IssueInvoiceAsync(new InvoiceRequest(
            workflowId, BillableKind.Charging, "session", input.CustomerId, input.FacilityId, BillingLine.From(price), WorkflowTime.Now)), Quick);
        var total = invoice.TotalCents;
        await RecordAsync(input, new ChargingSessionClosing(false, ended.Timestamp, _meterStopWh, _energyWh, (long)idle.Total.TotalSeconds, idleMinutes,
            Cents(price, PriceLineCodes.ChargingSessionFee), Cents(price, PriceLineCodes.ChargingEnergy), Cents(price, PriceLineCodes.ChargingIdle), total,
            ended.StoppedReason));

        long captured = 0, remainder = 0, owed = 0;
        Guid? paymentId = null;
        if (_hold is { } hold)
        {
            if (total == 0)
            {
                await Workflow.ExecuteActivityAsync((IChargingActivities a) => a.CancelHoldAsync(new HoldRelease(workflowId, hold.PaymentId, "nothing owed")), Compensation);
            }
            else
            {
                var capture = Math.Min(total, hold.AmountCents);
                captured = (await Workflow.ExecuteActivityAsync((IChargingActivities a) => a.CaptureHoldAsync(
                    new HoldCapture(workflowId, hold.PaymentId, invoice.InvoiceId, capture)), Payment)).CapturedCents;
                paymentId = hold.PaymentId;
            }
        }
        var due = total - captured;
        if (due > 0)
        {
            if (input.CustomerId is { } customer)
            {
                try
                {
                    var step = _hold is null ? "charge" : "remainder";
                    var charged = await Workflow.ExecuteActivityAsync((IBillingActivities b) => b.ChargeSavedCardAsync(new SavedCardCharge(
                        workflowId, step, invoice.InvoiceId, customer, due, $"EV charging at {input.FacilityId}")), Payment);
                    remainder = charged.AmountCents;
                    paymentId = charged.PaymentId;
                }
                catch (ActivityFailureException failure) when (failure.InnerException is ApplicationFailureException declined)
                {
                    owed = due;
                    _reason = $"The saved card could not be charged: {declined.Message}";
                }
            }
            else
            {
                owed = due;
                _reason = "The session was started at the charger without an account; the amount is recorded as owed.";
            }
            if (owed > 0)
            {
                await Workflow.ExecuteActivityAsync((IChargingActivities a) => a.RaiseOperatorAlertAsync(new ChargingAlert(
                    workflowId, input.FacilityId, ChargingAlertKinds.Unpaid, $"{Money.FromCents(owed)} owed for charging at {input.StationId}: {_reason}", WorkflowTime.Now)), Quick);
            }
        }
        if (owed == 0)
        {
            // Paid in full (or nothing owed): the driver gets a receipt, as for parking.
            await Workflow.ExecuteActivityAsync((IBillingActivities b) => b.IssueReceiptAsync(new ReceiptRequest(invoice.InvoiceId, paymentId, WorkflowTime.Now)), Quick);
        }
        _state = ChargingStates.Completed;
        return Result(ChargingOutcome.Completed, invoice.InvoiceId, idleMinutes, total, captured, remainder, owed);
    }

    // Ends a session that never delivered energy: the hold goes back, power is freed, an operator is told.
    private async Task<ChargingSessionResult> AbandonAsync(ChargingSessionInput input, ChargingOutcome outcome, string reason, string? alertKind)
    {
        var workflowId = Workflow.Info.WorkflowId;
        _reason = reason;
        if (_hold is { } hold)
        {
            await Workflow.ExecuteActivityAsync((IChargingActivities a) => a.CancelHoldAsync(new HoldRelease(workflowId, hold.PaymentId, reason)), Compensation);
        }
        await Workflow.ExecuteActivityAsync((IChargingActivities a) => a.ReleasePowerAsync(new PowerRelease(input.FacilityId, input.SessionId)), Compensation);
        if (alertKind is not null)
        {
            await Workflow.ExecuteActivityAsync((IChargingActivities a) => a.RaiseOperatorAlertAsync(
                new ChargingAlert(workflowId, input.FacilityId, alertKind, reason, WorkflowTime.Now)), Compensation);
        }
        if (_recorded)
        {
            // A session that had started (then went silent) must not look active to the api's readers.
            await RecordAsync(input, new ChargingSessionClosing(true, _ended?.Timestamp, _meterStopWh, _energyWh, 0, 0, 0, 0, 0, 0, reason), Compensation);
        }
        _state = ChargingStates.Failed;
        return Result(outcome, null, 0, 0, 0, null);
    }

    private async Task RecordAsync(ChargingSessionInput input, ChargingSessionClosing? closing, ActivityOptions? options = null)
    {
        var started = _started!;
        var record = new ChargingSessionRecord(Workflow.Info.WorkflowId, input.SessionId, input.StationId, input.EvseId, started.TransactionId,
            input.CustomerId, started.Timestamp, _meterStartWh, WorkflowTime.Now)
        {
            Closing = closing,
        };
        await Workflow.ExecuteActivityAsync((IChargingActivities a) => a.RecordSessionAsync(record), options ?? Quick);
        _recorded = true;
    }

    private static long Cents(PriceBreakdown price, string code) => price.Lines.Where(l => l.Code == code).Sum(l => l.Amount.Cents);

    private ChargingSessionResult Result(ChargingOutcome outcome, Guid? invoiceId, long idleMinutes, long total, long captured, long? remainder, long owed = 0) =>
        new(outcome, _started?.TransactionId, _energyWh, idleMinutes, total, captured, remainder ?? 0, owed, invoiceId, _reason);

    private bool Accept(string? dedupeId, string transactionId, int seqNo)
    {
        if (!_seen.Add(dedupeId ?? $"{transactionId}/{seqNo}"))
        {
            return false;
        }
        _events++;
        return true;
    }

    private void Observe(DateTimeOffset at, ChargingState? state, long? energyWh)
    {
        if (state is { } s)
        {
            _changes.Add(new ChargingStateChange(at, s));
        }
        // Energy.Active.Import.Register is the EVSE's lifetime meter and only grows: the lowest reading is the meter
        // start, the highest the latest, whatever order buffered events arrive in; the session's energy is their difference.
        if (energyWh is { } wh)
        {
            _meterStartWh = Math.Min(_meterStartWh ?? wh, wh);
            _meterStopWh = Math.Max(_meterStopWh ?? wh, wh);
            _energyWh = _meterStopWh.Value - _meterStartWh.Value;
        }
        if (_lastDeviceAt is null || at > _lastDeviceAt)
        {
            _lastDeviceAt = at;
        }
    }
}
