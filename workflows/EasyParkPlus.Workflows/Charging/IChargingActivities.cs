using Temporalio.Activities;

namespace EasyParkPlus.Workflows.Charging;

// Stripe holds, gateway commands and alerts for a charging session. Each is idempotent: payments by
// the Stripe Idempotency-Key derived from workflow id and step, alerts per (workflow, kind), power by session.
public interface IChargingActivities
{
    // A capture_method=manual PaymentIntent on the customer's saved card; a decline fails non-retryably (BillingErrors.CardDeclined).
    [Activity("Charging.AuthoriseHold")]
    Task<HoldAuthorised> AuthoriseHoldAsync(HoldRequest request);

    [Activity("Charging.CaptureHold")]
    Task<HoldCaptured> CaptureHoldAsync(HoldCapture capture);

    [Activity("Charging.CancelHold")]
    Task CancelHoldAsync(HoldRelease release);

    [Activity("Charging.ReservePower")]
    Task<int> ReservePowerAsync(PowerReservation reservation);

    [Activity("Charging.ReleasePower")]
    Task ReleasePowerAsync(PowerRelease release);

    [Activity("Charging.StartTransaction")]
    Task<RemoteStartOutcome> StartTransactionAsync(RemoteStart start);

    [Activity("Charging.StopTransaction")]
    Task<bool> StopTransactionAsync(RemoteStop stop);

    // Upserts the session's row by workflow id, so a retry or the closing write simply overwrites.
    [Activity("Charging.RecordSession")]
    Task RecordSessionAsync(ChargingSessionRecord record);

    [Activity("Charging.RaiseOperatorAlert")]
    Task RaiseOperatorAlertAsync(ChargingAlert alert);
}
