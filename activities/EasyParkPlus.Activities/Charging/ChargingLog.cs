using Microsoft.Extensions.Logging;

namespace EasyParkPlus.Activities.Charging;

/// <summary>Charging and subscription activity log events, ids 3300-3399.</summary>
internal static partial class ChargingLog
{
    [LoggerMessage(3300, LogLevel.Information, "Held {AmountCents} cents for {WorkflowId} (payment intent {PaymentIntentId}, key {IdempotencyKey})")]
    public static partial void HoldAuthorised(ILogger logger, long amountCents, string workflowId, string paymentIntentId, string idempotencyKey);

    [LoggerMessage(3301, LogLevel.Warning, "Card hold declined for {WorkflowId} ({Code}/{DeclineCode}, key {IdempotencyKey})")]
    public static partial void HoldDeclined(ILogger logger, string workflowId, string? code, string? declineCode, string idempotencyKey);

    [LoggerMessage(3302, LogLevel.Information, "Captured {AmountCents} cents of payment intent {PaymentIntentId} for {WorkflowId} (key {IdempotencyKey})")]
    public static partial void HoldCaptured(ILogger logger, long amountCents, string paymentIntentId, string workflowId, string idempotencyKey);

    [LoggerMessage(3303, LogLevel.Information, "Cancelled hold {PaymentIntentId} for {WorkflowId}: {Reason}")]
    public static partial void HoldCancelled(ILogger logger, string paymentIntentId, string workflowId, string reason);

    [LoggerMessage(3304, LogLevel.Warning, "Operator alert {Kind} for {WorkflowId} at {FacilityId}: {Message}")]
    public static partial void OperatorAlertRaised(ILogger logger, string kind, string workflowId, string facilityId, string message);

    [LoggerMessage(3305, LogLevel.Warning, "Gateway refused {Command} for station {StationId}: {Reason}")]
    public static partial void GatewayRefused(ILogger logger, string command, string stationId, string reason);

    [LoggerMessage(3306, LogLevel.Warning, "Charging session {WorkflowId} not recorded: station {StationId} has no EVSE {EvseId}")]
    public static partial void SessionNotRecorded(ILogger logger, string workflowId, string stationId, int evseId);

    [LoggerMessage(3310, LogLevel.Information, "Subscription {SubscriptionId} is now {Status} for {PeriodStart:yyyy-MM-dd} to {PeriodEnd:yyyy-MM-dd}")]
    public static partial void SubscriptionUpdated(ILogger logger, Guid subscriptionId, string status, DateTimeOffset periodStart, DateTimeOffset periodEnd);
}
