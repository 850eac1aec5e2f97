using System.Collections.Concurrent;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;
using Temporalio.Exceptions;
using Temporalio.Activities;

namespace EasyParkPlus.Workflows.Tests.Parking;

/// <summary>
/// In-memory stand-ins for the parking, reservation and billing activities: a facility with a fixed number of
/// spaces, customers with or without a saved card, and a ledger of every call with its virtual time.
/// </summary>
public sealed class FakeParkingWorld : IParkingActivities, IBillingActivities, IReservationActivities
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, string> _occupied = [];
    private readonly HashSet<Guid> _holds = [];
    private long _receiptNumber;

    public int Capacity { get; set; } = 10;

    public HashSet<Guid> CustomersWithCard { get; } = [];

    public HashSet<Guid> CustomersWithPass { get; } = [];

    public HashSet<Guid> DecliningCustomers { get; } = [];

    // What entry validation reports as the deployment's automatic-charge ceiling (null: the workflow's default).
    public long? AutoChargeCeilingCents { get; set; }

    public ConcurrentQueue<(string Call, DateTimeOffset At, object Payload)> Calls { get; } = new();

    public ConcurrentDictionary<Guid, InvoiceRequest> Invoices { get; } = new();

    public ConcurrentDictionary<string, PaymentRecorded> Payments { get; } = new();

    public List<OperatorAlertRequest> Alerts => [.. Calls.Where(c => c.Call == "alert").Select(c => (OperatorAlertRequest)c.Payload)];

    public List<GateOpening> GateOpenings => [.. Calls.Where(c => c.Call == "gate").Select(c => (GateOpening)c.Payload)];

    public List<RefundCommand> Refunds => [.. Calls.Where(c => c.Call == "refund").Select(c => (RefundCommand)c.Payload)];

    public int OccupiedCount
    {
        get
        {
            lock (_gate)
            {
                return _occupied.Count;
            }
        }
    }

    public int HoldCount
    {
        get
        {
            lock (_gate)
            {
                return _holds.Count;
            }
        }
    }

    public DateTimeOffset? TimeOf(string call) => Calls.Where(c => c.Call == call).Select(c => (DateTimeOffset?)c.At).FirstOrDefault();

    // Stamped with the server's (virtual) time at which this attempt was scheduled.
    private void Record(string call, object payload) =>
        Calls.Enqueue((call, new DateTimeOffset(ActivityExecutionContext.Current.Info.CurrentAttemptScheduledTime, TimeSpan.Zero), payload));

    public Task<EntryValidation> ValidateEntryAsync(EntryValidationRequest request)
    {
        Record("validate", request);
        var customer = request.CustomerId;
        return Task.FromResult(new EntryValidation(true, null, request.Plate, customer,
            customer is { } c && CustomersWithPass.Contains(c) ? Guid.NewGuid() : null,
            customer is { } d && CustomersWithCard.Contains(d), 0)
        {
            AutoChargeCeilingCents = AutoChargeCeilingCents,
        });
    }

    public Task<SpaceAssignment> AllocateSpaceAsync(SpaceRequest request)
    {
        Record("allocate", request);
        lock (_gate)
        {
            if (_occupied.TryGetValue(request.SessionId, out var existing))
            {
                return Task.FromResult(new SpaceAssignment(true, request.SessionId, existing, null));
            }
            // A reservation's space was set aside by its hold, so it never counts against walk-ins.
            var fromHold = request.ReservationId is { } r && _holds.Remove(r);
            if (!fromHold && _occupied.Count + _holds.Count >= Capacity)
            {
                return Task.FromResult(new SpaceAssignment(false, null, null, $"{request.FacilityId} is full: no {request.SpaceType} space is free."));
            }
            var label = $"L1-{_occupied.Count + 1:000}";
            _occupied[request.SessionId] = label;
            return Task.FromResult(new SpaceAssignment(true, request.SessionId, label, null));
        }
    }

    // A gate that opens only when the test says so (HeldGateId): its opening is recorded, GateHeld completes, and the
    // activity waits for ReleaseGate, holding the workflow in the step that follows payment.
    public string? HeldGateId { get; set; }

    public TaskCompletionSource GateHeld { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource ReleaseGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task OpenGateAsync(GateOpening opening)
    {
        Record("gate", opening);
        if (opening.GateId == HeldGateId)
        {
            GateHeld.TrySetResult();
            // Cancellable, so a failed test's worker shutdown does not wait for a gate nobody will release.
            await ReleaseGate.Task.WaitAsync(ActivityExecutionContext.Current.CancellationToken);
        }
    }

    public Task ShowGateMessageAsync(GateMessage message)
    {
        Record("gate-message", message);
        return Task.CompletedTask;
    }

    public Task ReleaseSpaceAsync(SpaceRelease release)
    {
        Record("release", release);
        lock (_gate)
        {
            _occupied.Remove(release.SessionId);
        }
        return Task.CompletedTask;
    }

    public Task RaiseOperatorAlertAsync(OperatorAlertRequest alert)
    {
        Record("alert", alert);
        return Task.CompletedTask;
    }

    public Task CloseSessionAsync(SessionClosing closing)
    {
        Record("close", closing);
        return Task.CompletedTask;
    }

    public Task<IssuedInvoice> IssueInvoiceAsync(InvoiceRequest request)
    {
        Record("invoice", request);
        var id = Guid.NewGuid();
        Invoices[id] = request;
        return Task.FromResult(new IssuedInvoice(id, request.TotalCents));
    }

    public Task<PaymentRecorded> ChargeSavedCardAsync(SavedCardCharge charge)
    {
        Record("charge", charge);
        if (DecliningCustomers.Contains(charge.CustomerId))
        {
            throw new ApplicationFailureException("Your card was declined.", BillingErrors.CardDeclined, nonRetryable: true);
        }
        var payment = Payments.GetOrAdd(charge.IdempotencyKey, _ => new PaymentRecorded(Guid.NewGuid(), PaymentChannel.SavedCard, charge.AmountCents, "pi_fake"));
        return Task.FromResult(payment);
    }

    public Task<PaymentRecorded> RecordPayStationPaymentAsync(PayStationPayment payment)
    {
        Record("booth", payment);
        return Task.FromResult(new PaymentRecorded(Guid.NewGuid(), PaymentChannel.PayStation, payment.AmountCents, null));
    }

    public Task<IssuedReceipt> IssueReceiptAsync(ReceiptRequest request)
    {
        Record("receipt", request);
        return Task.FromResult(new IssuedReceipt(Guid.NewGuid(), Interlocked.Increment(ref _receiptNumber), Invoices[request.InvoiceId].TotalCents));
    }

    public Task<RefundRecorded> RefundPaymentAsync(RefundCommand refund)
    {
        Record("refund", refund);
        return Task.FromResult(new RefundRecorded(Guid.NewGuid(), refund.AmountCents, "re_fake"));
    }

    public Task<CapacityHoldAnswer> HoldCapacityAsync(CapacityHoldRequest request)
    {
        Record("hold", request);
        lock (_gate)
        {
            if (!_holds.Contains(request.ReservationId) && _occupied.Count + _holds.Count >= Capacity)
            {
                return Task.FromResult(new CapacityHoldAnswer(false, "No space is free for that slot."));
            }
            _holds.Add(request.ReservationId);
        }
        return Task.FromResult(new CapacityHoldAnswer(true, null));
    }

    public Task ReleaseHoldAsync(Guid reservationId)
    {
        Record("release-hold", reservationId);
        lock (_gate)
        {
            _holds.Remove(reservationId);
        }
        return Task.CompletedTask;
    }

    public Task UpdateReservationAsync(ReservationUpdate update)
    {
        Record("reservation", update);
        return Task.CompletedTask;
    }
}
