using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Domain.Reservations;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Charging;
using Temporalio.Workflows;
using Temporalio.Common;
using Temporalio.Exceptions;

namespace EasyParkPlus.Workflows.Parking;

// One car's stay, from the entry gate to the paid exit (workflow id parking-{sessionId}).
[Workflow]
public sealed partial class ParkingSession
{
    private static ActivityOptions Quick => ActivityPresets.Quick;

    private static ActivityOptions Payment => ActivityPresets.CardPayment;

    private static ActivityOptions GateDisplay => new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(10),
        RetryPolicy = new RetryPolicy { MaximumAttempts = 3 },
    };

    private ParkingSessionInput? _input;
    private ParkingSessionSettings? _settings;
    private EntryValidation? _validation;
    private PriceBreakdown? _price;
    private string _state = ParkingStates.Validating;
    private string? _spaceLabel;
    private string? _denial;
    private VehicleExit? _exit;
    private long? _amountDue;
    private long _amountPaid;
    private PaymentChannel _channel;
    private readonly List<BoothPayment> _boothPayments = [];
    private readonly List<string> _alerts = [];
    private Guid? _customerId;
    private ChargingRequest? _chargingRequest;
    private Guid? _chargingSessionId;
    private Task? _charging;
    private ChargingSessionResult? _chargingResult;
    private string? _chargingNote;
    private ChargeReview? _review;
    private string? _reviewReason;

    [WorkflowQuery]
    public ParkingStatus Status => new(
        _state, _input?.SessionId ?? Guid.Empty, _input?.FacilityId ?? "", _input?.Plate ?? "", _input?.SpaceType ?? SpaceType.Regular,
        _spaceLabel, _input?.EntryAt ?? default, _exit?.ExitAt, _amountDue, _amountPaid, _channel, _denial, [.. _alerts])
    {
        ChargingSessionId = _chargingSessionId,
        ChargingNote = _chargingNote,
        ReviewReason = _reviewReason,
    };

    [WorkflowSignal]
    public Task VehicleExitedAsync(VehicleExit exit)
    {
        // The first exit event wins: a gate that repeats its event must not move the exit time.
        _exit ??= exit;
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task ChargeReviewedAsync(ChargeReview review)
    {
        // The first decision counts (an operator may also approve ahead of the hold); a negative amount is none.
        if (review.AmountCents is null or >= 0)
        {
            _review ??= review;
        }
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task ChargingRequestedAsync(ChargingRequest request)
    {
        // Acted on by the run method while the car is parked; one request waits at a time.
        _chargingRequest ??= request;
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task PaymentReceivedAtBoothAsync(BoothPayment payment)
    {
        // A pay station that repeats a payment reports the same reference; it counts once. Nothing is taken back at a booth.
        if (payment.AmountCents > 0 && !_boothPayments.Exists(p => p.Reference == payment.Reference))
        {
            _boothPayments.Add(payment);
        }
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<ParkingSessionResult> RunAsync(ParkingSessionInput input)
    {
        _input = input;
        var settings = input.Settings ?? ParkingSessionSettings.Default;
        _settings = settings;
        var workflowId = Workflow.Info.WorkflowId;
        Workflow.UpsertTypedSearchAttributes(EasyParkSearchAttributes.Updates(
            (EasyParkSearchAttributes.FacilityId, input.FacilityId),
            (EasyParkSearchAttributes.Plate, input.Plate),
            (EasyParkSearchAttributes.CustomerId, input.CustomerId?.ToString())));
        if (input.EntryClock is { } entryClock)
        {
            await RaiseAlertAsync(input, workflowId, OperatorAlertKinds.EntryClock,
                $"Plate {input.Plate} at {input.FacilityId}: {entryClock.Describe("entry")}. The stay is timed from the arrival and its charge waits for an operator.");
        }

        var validation = await Workflow.ExecuteActivityAsync((IParkingActivities a) => a.ValidateEntryAsync(
            new EntryValidationRequest(workflowId, input.FacilityId, input.Plate, input.EntryAt, input.ReservationId, input.CustomerId)), Quick);
        if (!validation.Allowed)
        {
            return await DenyAsync(validation.DenialReason ?? "Entry was not allowed.");
        }
        _validation = validation;
        _customerId = validation.CustomerId ?? input.CustomerId;
        if (validation.CustomerId is { } customerId && input.CustomerId is null)
        {
            Workflow.UpsertTypedSearchAttributes(EasyParkSearchAttributes.CustomerId.ValueSet(customerId.ToString()));
        }

        _state = ParkingStates.Allocating;
        var space = await Workflow.ExecuteActivityAsync((IParkingActivities a) => a.AllocateSpaceAsync(new SpaceRequest(
            input.SessionId, workflowId, input.FacilityId, validation.Plate, input.SpaceType, input.EntryAt,
            input.ReservationId, validation.CustomerId, validation.SubscriptionId)), Quick);
        if (!space.Allocated)
        {
            return await DenyAsync(space.DenialReason ?? $"No {input.SpaceType} space is free at {input.FacilityId}.");
        }
        _spaceLabel = space.SpaceLabel;

        if (input.EntryGateId is { } entryGate)
        {
            await Workflow.ExecuteActivityAsync((IParkingActivities a) => a.OpenGateAsync(
                new GateOpening(entryGate, input.SessionId, $"Welcome - space {space.SpaceLabel}")), Quick);
        }

        _state = ParkingStates.Parked;
        await WaitForExitAsync(input, settings, workflowId);
        var exit = _exit!;
        if (_chargingRequest is not null)
        {
            _chargingNote = "The car left before the charge could start.";
            _chargingRequest = null;
        }

        _state = ParkingStates.Pricing;
        var price = await PriceStayAsync(input, settings, validation, exit, workflowId);
        _price = price;
        _amountDue = price.Total.Cents;
        var invoice = await Workflow.ExecuteActivityAsync((IBillingActivities b) => b.IssueInvoiceAsync(new InvoiceRequest(
            workflowId, BillableKind.Parking, "", validation.CustomerId, input.FacilityId, BillingLine.From(price), WorkflowTime.Now)), Quick);

        var paymentId = await CollectPaymentAsync(input, settings, validation, invoice, workflowId);

        _state = ParkingStates.Exiting;
        if (exit.ExitGateId is { } exitGate)
        {
            await Workflow.ExecuteActivityAsync((IParkingActivities a) => a.OpenGateAsync(new GateOpening(exitGate, input.SessionId, "Thank you")), Quick);
        }
        await Workflow.ExecuteActivityAsync((IParkingActivities a) => a.ReleaseSpaceAsync(new SpaceRelease(input.SessionId, exit.ExitAt)), Quick);
        var receipt = await Workflow.ExecuteActivityAsync((IBillingActivities b) => b.IssueReceiptAsync(
            new ReceiptRequest(invoice.InvoiceId, paymentId, WorkflowTime.Now)), Quick);
        var credit = -price.Lines.Where(l => l.Code == PriceLineCodes.ReservationCredit).Sum(l => l.Amount.Cents);
        await Workflow.ExecuteActivityAsync((IParkingActivities a) => a.CloseSessionAsync(new SessionClosing(
            input.SessionId, exit.ExitAt, price.Total.Cents + credit, credit, price.Total.Cents, _amountPaid)), Quick);

        _state = ParkingStates.Completed;
        return new ParkingSessionResult(ParkingOutcome.Completed, null, _spaceLabel, input.EntryAt, exit.ExitAt,
            price.Total.Cents, _amountPaid, _channel, invoice.InvoiceId, receipt.Number, BillingLine.From(price))
        {
            ChargingSessionId = _chargingSessionId,
            Charging = _chargingResult,
        };
    }

    private async Task<ParkingSessionResult> DenyAsync(string reason)
    {
        _state = ParkingStates.Denied;
        _denial = reason;
        var input = _input!;
        if (input.EntryGateId is { } gate)
        {
            // Best effort: the denial stands even when the gate display cannot be reached.
            try
            {
                await Workflow.ExecuteActivityAsync((IParkingActivities a) => a.ShowGateMessageAsync(new GateMessage(gate, reason)), GateDisplay);
            }
            catch (ActivityFailureException)
            {
            }
        }
        return ParkingSessionResult.Deny(reason, input.EntryAt);
    }

    // The overstay timer counts from the entry gate's time, so a session started late (a buffered
    // gate event) alerts when the car has really been inside too long. A charging request wakes the
    // wait, starts the charge, and the wait goes on until the car leaves.
    private async Task WaitForExitAsync(ParkingSessionInput input, ParkingSessionSettings settings, string workflowId)
    {
        var alerted = false;
        while (_exit is null)
        {
            var untilOverstay = input.EntryAt + settings.OverstayLimit - WorkflowTime.Now;
            if (!alerted && untilOverstay > TimeSpan.Zero)
            {
                if (!await Workflow.WaitConditionAsync(() => _exit is not null || _chargingRequest is not null, untilOverstay))
                {
                    continue;
                }
            }
            else if (!alerted)
            {
                alerted = true;
                await RaiseAlertAsync(input, workflowId, OperatorAlertKinds.Overstay,
                    $"Vehicle {input.Plate} has been parked at {input.FacilityId} in space {_spaceLabel} for more than {settings.OverstayLimit.TotalHours:0} hours.");
                continue;
            }
            else
            {
                await Workflow.WaitConditionAsync(() => _exit is not null || _chargingRequest is not null);
            }
            if (_exit is null && _chargingRequest is { } request)
            {
                _chargingRequest = null;
                await StartChargingAsync(input, settings, request);
            }
        }
    }

    // An EV stay may charge: the charge is a child ChargingSession that holds, meters and bills on its own.
    // It is abandoned rather than terminated when the stay ends first, because a charge in progress must
    // still be billed and its power released.
    private async Task StartChargingAsync(ParkingSessionInput input, ParkingSessionSettings settings, ChargingRequest request)
    {
        if (input.SpaceType != SpaceType.Ev)
        {
            _chargingNote = $"Space {_spaceLabel} is not an EV space; move to an EV space to charge.";
            return;
        }
        if (_customerId is not { } customer)
        {
            _chargingNote = "Charging needs a driver account with a saved card; start it from the app after signing in.";
            return;
        }
        if (_charging is { IsCompleted: false })
        {
            _chargingNote = $"A charge is already running for this stay (session {_chargingSessionId}).";
            return;
        }
        var chargingSessionId = Workflow.NewGuid();
        var chargingInput = new ChargingSessionInput(chargingSessionId, input.FacilityId, request.StationId, request.EvseId, customer, customer.ToString())
        {
            Settings = settings.Charging,
        };
        _chargingSessionId = chargingSessionId;
        _chargingResult = null;
        _chargingNote = null;
        var child = await Workflow.StartChildWorkflowAsync((ChargingSession c) => c.RunAsync(chargingInput), new ChildWorkflowOptions
        {
            Id = ChargingWorkflowIds.ForSession(chargingSessionId),
            ParentClosePolicy = ParentClosePolicy.Abandon,
            // Visible to its driver and findable by the gateway from the start, as an app-started charge is.
            TypedSearchAttributes = chargingInput.SearchAttributes(),
        });
        _charging = FollowChargingAsync(child);
    }

    private async Task FollowChargingAsync(ChildWorkflowHandle<ChargingSession, ChargingSessionResult> child)
    {
        try
        {
            _chargingResult = await child.GetResultAsync();
            if (_chargingResult.Outcome != ChargingOutcome.Completed)
            {
                _chargingNote = _chargingResult.Reason;
            }
        }
        catch (ChildWorkflowFailureException failure)
        {
            _chargingNote = $"The charging session failed: {failure.Message}";
        }
    }

    // Prices the stay and, when a device time was not trusted, the exit came before the entry, or the amount is above
    // the automatic-charge ceiling, holds it until an operator approves or sets the amount (ChargeReviewed signal).
    // Device input never moves money on its own: an implausible time is replaced by the event's arrival, and an exit
    // dated before its entry is priced from both events' arrivals instead of becoming a free stay.
    private async Task<PriceBreakdown> PriceStayAsync(
        ParkingSessionInput input, ParkingSessionSettings settings, EntryValidation validation, VehicleExit exit, string workflowId)
    {
        var reasons = new List<string>();
        if (input.EntryClock is { } entryClock)
        {
            reasons.Add(entryClock.Describe("entry"));
        }
        if (exit.Clock is { } exitClock)
        {
            reasons.Add(exitClock.Describe("exit"));
            await RaiseAlertAsync(input, workflowId, OperatorAlertKinds.ExitClock,
                $"Plate {input.Plate} at {input.FacilityId}: {exitClock.Describe("exit")}. The stay is timed to the arrival and its charge waits for an operator.");
        }
        var span = StayReview.BillingSpan(input, exit, WorkflowTime.Now);
        if (span.OutOfOrder is { } reason)
        {
            reasons.Add(reason);
            await RaiseAlertAsync(input, workflowId, OperatorAlertKinds.ExitBeforeEntry, $"Plate {input.Plate} at {input.FacilityId}: {reason}.");
        }
        var price = Price(input, settings, validation, span.From, span.To);
        var ceiling = validation.AutoChargeCeilingCents ?? ParkingSessionSettings.DefaultAutoChargeCeilingCents;
        if (price.Total.Cents > ceiling)
        {
            reasons.Add($"{price.Total} is above the {Money.FromCents(ceiling)} that is charged without an operator");
        }
        if (reasons.Count == 0 || price.Total <= Money.Zero)
        {
            return price;
        }

        _reviewReason = string.Join("; ", reasons);
        _price = price;
        _amountDue = price.Total.Cents;
        await RaiseAlertAsync(input, workflowId, OperatorAlertKinds.ChargeReview,
            $"The charge of {price.Total} for plate {input.Plate} at {input.FacilityId} waits for an operator: {_reviewReason}. " +
            "Send the ChargeReviewed signal to approve it or set the amount.");
        // Only now: an operator who sees AwaitingReview must also find the alert that says what to review.
        _state = ParkingStates.AwaitingReview;
        await Workflow.WaitConditionAsync(() => _review is not null);
        _state = ParkingStates.Pricing;
        return StayReview.Apply(price, _review!);
    }

    private static PriceBreakdown Price(ParkingSessionInput input, ParkingSessionSettings settings, EntryValidation validation,
        DateTimeOffset entryAt, DateTimeOffset exitAt)
    {
        var tariff = settings.Grace is { } grace ? ParkingTariff.Default with { Grace = grace } : ParkingTariff.Default;
        // Arrival times can still be out of order (a replayed buffer); they must not produce a negative stay.
        var exit = exitAt < entryAt ? entryAt : exitAt;
        var price = ParkingPricing.Price(input.SpaceType, entryAt, exit, tariff);
        var credit = input.ReservationCreditCents ?? validation.ReservationCreditCents;
        if (credit > 0)
        {
            price = ReservationPricing.SettleArrival(price, Money.FromCents(credit));
        }
        if (validation.SubscriptionId is not null && price.Total > Money.Zero)
        {
            price = price.Append(new PriceLine(PriceLineCodes.Subscription, "Covered by monthly pass", 1, PriceUnits.Each, -price.Total, -price.Total));
        }
        return price;
    }

    // Returns the payment row id, or null when nothing was owed.
    private async Task<Guid?> CollectPaymentAsync(
        ParkingSessionInput input, ParkingSessionSettings settings, EntryValidation validation, IssuedInvoice invoice, string workflowId)
    {
        if (invoice.TotalCents <= 0)
        {
            _channel = validation.SubscriptionId is not null ? PaymentChannel.Subscription : PaymentChannel.None;
            return null;
        }
        _state = ParkingStates.AwaitingPayment;
        if (validation is { HasSavedCard: true, CustomerId: { } customerId })
        {
            try
            {
                // Parking charges at exit rather than capturing an entry hold: holds lapse after about 7 days.
                var charged = await Workflow.ExecuteActivityAsync((IBillingActivities b) => b.ChargeSavedCardAsync(new SavedCardCharge(
                    workflowId, "exit-charge", invoice.InvoiceId, customerId, invoice.TotalCents,
                    $"Parking at {input.FacilityId}, plate {input.Plate}")), Payment);
                _amountPaid = charged.AmountCents;
                _channel = PaymentChannel.SavedCard;
                return charged.PaymentId;
            }
            catch (ActivityFailureException failure) when (failure.InnerException is ApplicationFailureException)
            {
                // A declined card falls back to the pay station, with an operator told why.
                await RaiseAlertAsync(input, workflowId, OperatorAlertKinds.CardDeclined,
                    $"The saved card for {input.Plate} was declined at exit ({failure.InnerException.Message}); waiting for payment at the pay station.");
            }
        }

        // The exit waits until the pay station has taken the whole amount, possibly in several payments (cash, then a
        // card for the rest); each is recorded as it comes, and the receipt names the last one.
        var recorded = 0;
        Guid? paymentId = null;
        while (_amountPaid < invoice.TotalCents)
        {
            if (!await Workflow.WaitConditionAsync(() => _boothPayments.Count > recorded, settings.PayStationTimeout))
            {
                await RaiseAlertAsync(input, workflowId, OperatorAlertKinds.PayStationTimeout,
                    $"Vehicle {input.Plate} has not paid {Money.FromCents(invoice.TotalCents - _amountPaid)} at the pay station after {settings.PayStationTimeout.TotalMinutes:0} minutes.");
                await Workflow.WaitConditionAsync(() => _boothPayments.Count > recorded);
            }
            var booth = _boothPayments[recorded++];
            var payment = await Workflow.ExecuteActivityAsync((IBillingActivities b) => b.RecordPayStationPaymentAsync(new PayStationPayment(
                workflowId, invoice.InvoiceId, validation.CustomerId, booth.AmountCents, booth.Reference, booth.PaidAt)), Quick);
            _amountPaid += payment.AmountCents;
            _channel = PaymentChannel.PayStation;
            paymentId = payment.PaymentId;
        }
        return paymentId;
    }

    private async Task RaiseAlertAsync(ParkingSessionInput input, string workflowId, string kind, string message)
    {
        _alerts.Add(kind);
        await Workflow.ExecuteActivityAsync((IParkingActivities a) => a.RaiseOperatorAlertAsync(
            new OperatorAlertRequest(workflowId, input.FacilityId, kind, message, WorkflowTime.Now)), Quick);
    }
}
