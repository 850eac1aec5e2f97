using EasyParkPlus.Domain.Charging;
using Temporalio.Common;
using Temporalio.Workflows;

namespace EasyParkPlus.Workflows.Charging;

public static class ChargingWorkflowIds
{
    public const string TaskQueue = "easypark";

    private const string Prefix = "charging-";

    public static string ForSession(Guid sessionId) => Prefix + sessionId;

    public static bool TryParseSession(string workflowId, out Guid sessionId)
    {
        sessionId = default;
        return workflowId.StartsWith(Prefix, StringComparison.Ordinal) && Guid.TryParse(workflowId.AsSpan(Prefix.Length), out sessionId);
    }

    // The remoteStartId of a session's RequestStartTransaction: it only has to be unique per station for a while, and
    // the gateway recomputes it to tell which session a charger's TransactionEvent Started answers.
    public static int RemoteStartIdFor(Guid sessionId) => (int)(BitConverter.ToUInt32(sessionId.ToByteArray(), 0) & 0x7FFFFFFF);
}

// Timeouts a facility may tune; the defaults suit DC fast chargers that report meter values every minute or so.
public sealed record ChargingSessionSettings
{
    // How long the charger has to report TransactionStarted after it accepted a remote start.
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(2);

    // A charger that sends no transaction event for this long is treated as gone silent.
    public TimeSpan SilenceTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public long HoldCents { get; init; } = 5000;

    public int RequestedW { get; init; } = 150_000;

    public long EnergyPerKwhCents { get; init; } = 35;

    public long SessionFeeCents { get; init; } = 200;

    public long IdlePerMinuteCents { get; init; } = 50;

    public TimeSpan IdleGrace { get; init; } = TimeSpan.FromMinutes(5);
}

// Started from the app (CustomerId and IdToken known, no transaction yet) or by signal-with-start
// from the gateway when a driver plugs in and authorises at the charger (TransactionStarted first).
public sealed record ChargingSessionInput(Guid SessionId, string FacilityId, string StationId, int EvseId, Guid? CustomerId, string? IdToken)
{
    public ChargingSessionSettings? Settings { get; init; }

    // What the session is found by, set by whoever starts it and upserted by the run: the gateway finds it by station
    // and EVSE when the charger reports its transaction, the driver by account.
    public SearchAttributeCollection SearchAttributes() => EasyParkSearchAttributes.Collection(Values());

    public SearchAttributeUpdate[] SearchAttributeUpdates() => EasyParkSearchAttributes.Updates(Values());

    private (SearchAttributeKey<string>, string?)[] Values() =>
    [
        (EasyParkSearchAttributes.FacilityId, FacilityId),
        (EasyParkSearchAttributes.StationId, StationId),
        (EasyParkSearchAttributes.EvseId, EvseId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        (EasyParkSearchAttributes.CustomerId, CustomerId?.ToString()),
    ];
}

// DedupeId is the gateway's stationId/transactionId/seqNo; a redelivered event carries the same one.
public sealed record TransactionStarted(string TransactionId, int SeqNo, DateTimeOffset Timestamp, ChargingState? ChargingState, long? EnergyWh, string? DedupeId = null);

public sealed record TransactionUpdated(string TransactionId, int SeqNo, DateTimeOffset Timestamp, ChargingState? ChargingState, long? EnergyWh, string? DedupeId = null);

public sealed record TransactionEnded(string TransactionId, int SeqNo, DateTimeOffset Timestamp, long EnergyWh, string? StoppedReason, string? DedupeId = null);

public sealed record StopRequest(string Reason);

public static class ChargingStates
{
    public const string Authorising = "authorising";
    public const string ReservingPower = "reserving_power";
    public const string Starting = "starting";
    public const string Charging = "charging";
    public const string Stopping = "stopping";
    public const string Billing = "billing";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

public enum ChargingOutcome
{
    Completed,
    PaymentDeclined,
    StartRejected,
    NeverStarted,
    ChargerSilent,
}

public sealed record ChargingSessionStatusView(
    string State, Guid SessionId, string FacilityId, string StationId, string? TransactionId, long EnergyWh,
    long IdleSeconds, ChargingState? ChargingState, long HoldCents, int AllocatedW, bool StopRequested, string? Reason);

// OwedCents: priced but not collected (no app, no card, or a declined remainder); an operator alert says so.
public sealed record ChargingSessionResult(
    ChargingOutcome Outcome, string? TransactionId, long EnergyWh, long IdleMinutesBilled, long TotalCents,
    long CapturedCents, long RemainderChargedCents, long OwedCents, Guid? InvoiceId, string? Reason);

// Activity payloads.
public sealed record HoldRequest(string WorkflowId, Guid CustomerId, long AmountCents, string Description)
{
    public string IdempotencyKey => $"{WorkflowId}/hold";
}

public sealed record HoldAuthorised(Guid PaymentId, string PaymentIntentId, long AmountCents);

public sealed record HoldCapture(string WorkflowId, Guid PaymentId, Guid? InvoiceId, long AmountCents)
{
    public string IdempotencyKey => $"{WorkflowId}/capture";
}

public sealed record HoldCaptured(Guid PaymentId, long CapturedCents);

public sealed record HoldRelease(string WorkflowId, Guid PaymentId, string Reason)
{
    public string IdempotencyKey => $"{WorkflowId}/cancel-hold";
}

public sealed record PowerReservation(string FacilityId, Guid SessionId, string StationId, int EvseId, int RequestedW);

public sealed record PowerRelease(string FacilityId, Guid SessionId);

public sealed record RemoteStart(string StationId, int EvseId, string IdToken, int RemoteStartId);

public sealed record RemoteStartOutcome(bool Accepted, string? TransactionId);

public sealed record RemoteStop(string StationId, string TransactionId);

// The charging.charging_sessions row the api's readers use (chargers in use, console power, utilisation): written
// once the transaction is known, and again with the priced parts when the session is billed or abandoned.
public sealed record ChargingSessionRecord(
    string WorkflowId, Guid SessionId, string StationId, int EvseId, string TransactionId, Guid? CustomerId,
    DateTimeOffset StartedDeviceAt, long? MeterStartWh, DateTimeOffset RecordedAt)
{
    public ChargingSessionClosing? Closing { get; init; }
}

public sealed record ChargingSessionClosing(
    bool Failed, DateTimeOffset? EndedDeviceAt, long? MeterStopWh, long EnergyWh, long IdleSeconds, long BilledIdleMinutes,
    long SessionFeeCents, long EnergyChargeCents, long IdleFeeCents, long TotalCents, string? StopReason);

public sealed record ChargingAlert(string WorkflowId, string FacilityId, string Kind, string Message, DateTimeOffset RaisedAt);

public static class ChargingAlertKinds
{
    public const string NeverStarted = "charger_never_started";
    public const string Silent = "charger_silent";
    public const string Unpaid = "charging_unpaid";
}
