using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Domain.Reservations;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Parking;
using Temporalio.Workflows;
using Temporalio.Exceptions;

namespace EasyParkPlus.Workflows.Reservations;

// A prepaid space for a time slot (workflow id reservation-{reservationId}): hold capacity, take the
// prepayment, then wait until slot start + grace for the car; a cancellation refunds per policy.
[Workflow]
public sealed class Reservation
{
    private static ActivityOptions Quick => ActivityPresets.Quick;

    private static ActivityOptions Payment => ActivityPresets.CardPayment;

    private ReservationInput? _input;
    private string _state = ReservationStates.Holding;
    private ReservationArrival? _arrival;
    private ReservationCancellation? _cancellation;
    private DateTimeOffset? _cancelledAt;
    private long _prepaid;
    private long _refunded;
    private string? _parkingWorkflowId;
    private string? _reason;

    [WorkflowQuery]
    public ReservationStatusView Status => new(
        _state, _input?.ReservationId ?? Guid.Empty, _input?.FacilityId ?? "", _input?.SpaceType ?? SpaceType.Regular,
        _input?.SlotStart ?? default, _input?.SlotEnd ?? default,
        _input is null ? default : Deadline(_input),
        _prepaid, _refunded, _parkingWorkflowId, _reason);

    [WorkflowSignal]
    public Task VehicleArrivedAsync(ReservationArrival arrival)
    {
        // Arrival is judged by the gate's device time, not by when the event got here: an entry a controller buffered
        // offline counts if the car came in before the deadline; one after it is an ordinary stay, not this reservation's.
        if (_cancellation is null && (_input is null || arrival.ArrivedAt <= Deadline(_input)))
        {
            _arrival ??= arrival;
        }
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task CancelAsync(ReservationCancellation cancellation)
    {
        // The refund depends on when the driver cancelled, so the moment the signal is applied is kept. Past the
        // deadline there is nothing left to cancel.
        if (_arrival is null && _cancellation is null && _state is ReservationStates.Holding or ReservationStates.Prepaying or ReservationStates.Booked)
        {
            _cancellation = cancellation;
            _cancelledAt = WorkflowTime.Now;
        }
        return Task.CompletedTask;
    }

    [WorkflowRun]
    public async Task<ReservationResult> RunAsync(ReservationInput input)
    {
        _input = input;
        var policy = input.Policy ?? ReservationPolicy.Default;
        var workflowId = Workflow.Info.WorkflowId;
        Workflow.UpsertTypedSearchAttributes(EasyParkSearchAttributes.Updates(
            (EasyParkSearchAttributes.FacilityId, input.FacilityId),
            (EasyParkSearchAttributes.CustomerId, input.CustomerId.ToString()),
            (EasyParkSearchAttributes.Plate, input.Plate)));

        // The api refuses these with 422 too; this guards every other starter, before anything is held or charged.
        if (ReservationPricing.SlotProblem(input.SlotStart, input.SlotEnd, WorkflowTime.Now, policy) is { } problem)
        {
            return Reject(problem.Message);
        }
        var hold = await Workflow.ExecuteActivityAsync((IReservationActivities a) => a.HoldCapacityAsync(new CapacityHoldRequest(
            input.ReservationId, workflowId, input.CustomerId, input.FacilityId, input.SpaceType, input.Plate,
            input.SlotStart, input.SlotEnd, WorkflowTime.Now)), Quick);
        if (!hold.Held)
        {
            await UpdateAsync(input, ReservationStatus.Cancelled, null);
            return Reject(hold.DenialReason ?? "No space of that type is free for the slot.");
        }
        if (_cancellation is not null)
        {
            await Workflow.ExecuteActivityAsync((IReservationActivities a) => a.ReleaseHoldAsync(input.ReservationId), Quick);
            await UpdateAsync(input, ReservationStatus.Cancelled, null);
            _state = ReservationStates.Cancelled;
            return new ReservationResult(ReservationOutcome.Cancelled, 0, 0, 0, null, _cancellation.Reason);
        }

        _state = ReservationStates.Prepaying;
        var price = ReservationPricing.Prepayment(input.SpaceType, input.SlotStart, input.SlotEnd, ParkingTariff.Default);
        var invoice = await Workflow.ExecuteActivityAsync((IBillingActivities b) => b.IssueInvoiceAsync(new InvoiceRequest(
            workflowId, BillableKind.Reservation, "prepayment", input.CustomerId, input.FacilityId, BillingLine.From(price), WorkflowTime.Now)), Quick);
        PaymentRecorded? payment = null;
        if (invoice.TotalCents > 0)
        {
            try
            {
                payment = await Workflow.ExecuteActivityAsync((IBillingActivities b) => b.ChargeSavedCardAsync(new SavedCardCharge(
                    workflowId, "prepayment", invoice.InvoiceId, input.CustomerId, invoice.TotalCents,
                    $"Reservation at {input.FacilityId} {input.SlotStart:yyyy-MM-dd HH:mm}Z")), Payment);
            }
            catch (ActivityFailureException failure) when (failure.InnerException is ApplicationFailureException declined)
            {
                await Workflow.ExecuteActivityAsync((IReservationActivities a) => a.ReleaseHoldAsync(input.ReservationId), Quick);
                await UpdateAsync(input, ReservationStatus.Cancelled, null);
                return Reject($"The prepayment could not be taken: {declined.Message}");
            }
            _prepaid = payment.AmountCents;
        }
        var receipt = new ReceiptRequest(invoice.InvoiceId, payment?.PaymentId, WorkflowTime.Now);
        await Workflow.ExecuteActivityAsync((IBillingActivities b) => b.IssueReceiptAsync(receipt), Quick);
        await UpdateAsync(input, ReservationStatus.Booked, null);

        _state = ReservationStates.Booked;
        var deadline = ReservationPricing.ArrivalDeadline(input.SlotStart, policy);
        var remaining = deadline - WorkflowTime.Now;
        if (remaining > TimeSpan.Zero)
        {
            await Workflow.WaitConditionAsync(() => _arrival is not null || _cancellation is not null, remaining);
        }

        if (_arrival is { } arrival)
        {
            return await FulfilAsync(input, arrival);
        }
        if (_cancellation is { } cancellation)
        {
            return await CancelBookedAsync(input, policy, cancellation, payment, workflowId);
        }

        // No-show: the space goes back at start + grace and the prepayment is kept. The no-show is recorded before the
        // space is released, so while the release retries (the database is down, say) the driver's app already says why
        // the space is gone instead of still showing a booking. Runs recorded before this change released first.
        if (Workflow.Patched(ReservationPatches.NoShowRecordedFirst))
        {
            await UpdateAsync(input, ReservationStatus.NoShow, null);
            await Workflow.ExecuteActivityAsync((IReservationActivities a) => a.ReleaseHoldAsync(input.ReservationId), Quick);
        }
        else
        {
            await Workflow.ExecuteActivityAsync((IReservationActivities a) => a.ReleaseHoldAsync(input.ReservationId), Quick);
            await UpdateAsync(input, ReservationStatus.NoShow, null);
        }
        _state = ReservationStates.NoShow;

        // A gate that was offline may still deliver an entry from before the deadline: that car arrived in time, so the
        // reservation is fulfilled rather than kept as a no-show while the car pays for a second, ordinary stay.
        if (input.LateEntryWindow is { } window && deadline + window - WorkflowTime.Now is var left && left > TimeSpan.Zero
            && await Workflow.WaitConditionAsync(() => _arrival is not null, left))
        {
            return await FulfilAsync(input, _arrival!);
        }
        return new ReservationResult(ReservationOutcome.NoShow, _prepaid, 0, 0, null, "The vehicle did not arrive by the end of the arrival grace.");
    }

    private static DateTimeOffset Deadline(ReservationInput input) =>
        ReservationPricing.ArrivalDeadline(input.SlotStart, input.Policy ?? ReservationPolicy.Default);

    // The parking session bills the real stay and credits the prepayment; it outlives this workflow.
    private async Task<ReservationResult> FulfilAsync(ReservationInput input, ReservationArrival arrival)
    {
        _parkingWorkflowId = ParkingWorkflowIds.ForSession(arrival.SessionId);
        var parkingInput = new ParkingSessionInput(
            arrival.SessionId, input.FacilityId, arrival.Plate, input.SpaceType, arrival.ArrivedAt, arrival.GateId, input.ReservationId, input.CustomerId)
        {
            ReservationCreditCents = _prepaid,
            Settings = input.ParkingSettings,
            EntryReceivedAt = arrival.ReceivedAt,
            EntryClock = arrival.EntryClock,
        };
        // Fulfilled first: the stay's entry check refuses a reservation that still reads no-show (a late entry).
        await UpdateAsync(input, ReservationStatus.Fulfilled, arrival.SessionId);
        _state = ReservationStates.Fulfilled;
        await Workflow.StartChildWorkflowAsync((ParkingSession p) => p.RunAsync(parkingInput), new ChildWorkflowOptions
        {
            Id = _parkingWorkflowId,
            ParentClosePolicy = ParentClosePolicy.Abandon,
            TypedSearchAttributes = EasyParkSearchAttributes.Collection(
                (EasyParkSearchAttributes.FacilityId, input.FacilityId),
                (EasyParkSearchAttributes.Plate, arrival.Plate),
                (EasyParkSearchAttributes.CustomerId, input.CustomerId.ToString())),
        });
        return new ReservationResult(ReservationOutcome.Fulfilled, _prepaid, 0, 0, _parkingWorkflowId, null);
    }

    private async Task<ReservationResult> CancelBookedAsync(
        ReservationInput input, ReservationPolicy policy, ReservationCancellation cancellation, PaymentRecorded? payment, string workflowId)
    {
        var refund = ReservationPricing.Refund(Money.FromCents(_prepaid), input.SlotStart, _cancelledAt!.Value, policy);
        if (refund.Amount > Money.Zero && payment is not null)
        {
            var refunded = await Workflow.ExecuteActivityAsync((IBillingActivities b) => b.RefundPaymentAsync(new RefundCommand(
                workflowId, "cancellation-refund", payment.PaymentId, refund.Amount.Cents,
                $"Reservation cancelled {cancellation.Reason}".Trim())), Payment);
            _refunded = refunded.AmountCents;
        }
        await Workflow.ExecuteActivityAsync((IReservationActivities a) => a.ReleaseHoldAsync(input.ReservationId), Quick);
        await UpdateAsync(input, ReservationStatus.Cancelled, null);
        _state = ReservationStates.Cancelled;
        _reason = cancellation.Reason;
        return new ReservationResult(ReservationOutcome.Cancelled, _prepaid, _refunded, refund.Percent, null, cancellation.Reason);
    }

    private ReservationResult Reject(string reason)
    {
        _state = ReservationStates.Rejected;
        _reason = reason;
        return new ReservationResult(ReservationOutcome.Rejected, 0, 0, 0, null, reason);
    }

    private Task UpdateAsync(ReservationInput input, ReservationStatus status, Guid? parkingSessionId) =>
        Workflow.ExecuteActivityAsync((IReservationActivities a) => a.UpdateReservationAsync(new ReservationUpdate(
            input.ReservationId, status, _prepaid, _refunded, parkingSessionId, _cancelledAt)), Quick);
}
