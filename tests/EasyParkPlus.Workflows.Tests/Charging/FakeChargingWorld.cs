using System.Collections.Concurrent;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Charging;
using EasyParkPlus.Workflows.Subscriptions;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace EasyParkPlus.Workflows.Tests.Charging;

/// <summary>
/// In-memory stand-ins for the charging, subscription and billing activities: cards that decline
/// until told otherwise, a gateway that accepts or rejects starts, and a ledger of every call with its virtual time.
/// </summary>
public sealed class FakeChargingWorld : IChargingActivities, IBillingActivities, ISubscriptionActivities
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _alertKeys = [];

    public bool CardDeclines { get; set; }

    public bool StartAccepted { get; set; } = true;

    public ConcurrentDictionary<Guid, int> ReservedPower { get; } = new();

    public ConcurrentQueue<(string Call, DateTimeOffset At, object Payload)> Calls { get; } = new();

    public ConcurrentDictionary<string, SubscriptionUpdate> Subscriptions { get; } = new();

    public List<T> Payloads<T>(string call) => [.. Calls.Where(c => c.Call == call).Select(c => (T)c.Payload)];

    public List<DateTimeOffset> TimesOf(string call) => [.. Calls.Where(c => c.Call == call).Select(c => c.At)];

    // Stamped with the server's (virtual) time at which this attempt was scheduled.
    private void Record(string call, object payload) =>
        Calls.Enqueue((call, new DateTimeOffset(ActivityExecutionContext.Current.Info.CurrentAttemptScheduledTime, TimeSpan.Zero), payload));

    public Task<HoldAuthorised> AuthoriseHoldAsync(HoldRequest request)
    {
        Record("hold", request);
        if (CardDeclines)
        {
            throw new ApplicationFailureException("Your card was declined.", BillingErrors.CardDeclined, nonRetryable: true);
        }
        return Task.FromResult(new HoldAuthorised(Guid.NewGuid(), "pi_hold", request.AmountCents));
    }

    public Task<HoldCaptured> CaptureHoldAsync(HoldCapture capture)
    {
        Record("capture", capture);
        return Task.FromResult(new HoldCaptured(capture.PaymentId, capture.AmountCents));
    }

    public Task CancelHoldAsync(HoldRelease release)
    {
        Record("cancel-hold", release);
        return Task.CompletedTask;
    }

    public Task<int> ReservePowerAsync(PowerReservation reservation)
    {
        Record("reserve-power", reservation);
        ReservedPower[reservation.SessionId] = reservation.RequestedW;
        return Task.FromResult(reservation.RequestedW);
    }

    public Task ReleasePowerAsync(PowerRelease release)
    {
        Record("release-power", release);
        ReservedPower.TryRemove(release.SessionId, out _);
        return Task.CompletedTask;
    }

    public Task<RemoteStartOutcome> StartTransactionAsync(RemoteStart start)
    {
        Record("start", start);
        return Task.FromResult(new RemoteStartOutcome(StartAccepted, null));
    }

    public Task<bool> StopTransactionAsync(RemoteStop stop)
    {
        Record("stop", stop);
        return Task.FromResult(true);
    }

    public Task RecordSessionAsync(ChargingSessionRecord record)
    {
        Record("record-session", record);
        return Task.CompletedTask;
    }

    public Task RaiseOperatorAlertAsync(ChargingAlert alert)
    {
        lock (_gate)
        {
            if (_alertKeys.Add($"{alert.WorkflowId}/{alert.Kind}"))
            {
                Record("alert", alert);
            }
        }
        return Task.CompletedTask;
    }

    public Task<IssuedInvoice> IssueInvoiceAsync(InvoiceRequest request)
    {
        Record("invoice", request);
        return Task.FromResult(new IssuedInvoice(Guid.NewGuid(), request.TotalCents));
    }

    public Task<PaymentRecorded> ChargeSavedCardAsync(SavedCardCharge charge)
    {
        Record("charge", charge);
        if (CardDeclines)
        {
            throw new ApplicationFailureException("Your card was declined.", BillingErrors.CardDeclined, nonRetryable: true);
        }
        return Task.FromResult(new PaymentRecorded(Guid.NewGuid(), PaymentChannel.SavedCard, charge.AmountCents, "pi_charge"));
    }

    public Task<PaymentRecorded> RecordPayStationPaymentAsync(PayStationPayment payment) => throw new NotSupportedException("Charging never takes pay-station payments.");

    public Task<IssuedReceipt> IssueReceiptAsync(ReceiptRequest request)
    {
        Record("receipt", request);
        return Task.FromResult(new IssuedReceipt(Guid.NewGuid(), 1, 0));
    }

    public Task<RefundRecorded> RefundPaymentAsync(RefundCommand refund) => throw new NotSupportedException("Charging refunds by cancelling holds.");

    public Task<PlanQuote> GetPlanAsync(string planCode)
    {
        Record("plan", planCode);
        return Task.FromResult(planCode switch
        {
            "BOS-MONTHLY" => new PlanQuote(planCode, "Boston monthly pass", "BOS", 25_000),
            "PHL-MONTHLY" => new PlanQuote(planCode, "Philadelphia monthly pass", "PHL", 20_000),
            "ALL-MONTHLY" => new PlanQuote(planCode, "All-facility monthly pass", null, 40_000),
            _ => throw new ApplicationFailureException($"Unknown plan {planCode}.", "UnknownPlan", nonRetryable: true),
        });
    }

    public Task UpdateSubscriptionAsync(SubscriptionUpdate update)
    {
        Record("subscription", update);
        Subscriptions[update.WorkflowId] = update;
        return Task.CompletedTask;
    }
}
