namespace EasyParkPlus.OcppGateway.Ocpp;

// Event ids 5000-5099 belong to the OCPP (charger) side of the gateway.
internal static partial class OcppLog
{
    [LoggerMessage(5000, LogLevel.Information, "Station {StationId} connected")]
    public static partial void Connected(ILogger logger, string stationId);

    [LoggerMessage(5001, LogLevel.Information, "Station {StationId} disconnected")]
    public static partial void Disconnected(ILogger logger, string stationId);

    [LoggerMessage(5002, LogLevel.Warning, "Station {StationId} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string stationId, string reason);

    [LoggerMessage(5003, LogLevel.Warning, "Station {StationId} sent an invalid message: {Code} {Description}")]
    public static partial void InvalidMessage(ILogger logger, string stationId, string code, string description);

    [LoggerMessage(5004, LogLevel.Information, "Station {StationId} booted: {Vendor} {Model} firmware {Firmware}")]
    public static partial void Booted(ILogger logger, string stationId, string vendor, string model, string? firmware);

    [LoggerMessage(5005, LogLevel.Information, "Station {StationId} transaction {TransactionId} {EventType} seqNo {SeqNo} (duplicate {Duplicate})")]
    public static partial void TransactionEventStored(ILogger logger, string stationId, string transactionId, string eventType, int seqNo, bool duplicate);

    [LoggerMessage(5007, LogLevel.Error, "Handling {Action} from station {StationId} failed")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string action, string stationId);

    [LoggerMessage(5008, LogLevel.Warning, "Call {Action} to station {StationId} ended {Outcome}")]
    public static partial void CallFailed(ILogger logger, string action, string stationId, string outcome);

    [LoggerMessage(5009, LogLevel.Information, "Seeded {Count} development station logins")]
    public static partial void Seeded(ILogger logger, int count);

    [LoggerMessage(5010, LogLevel.Warning, "Development station seeding skipped: {Reason}")]
    public static partial void SeedingSkipped(ILogger logger, string reason);

    [LoggerMessage(5011, LogLevel.Warning, "Connector status of {StationId} not passed to the sink")]
    public static partial void StatusSinkFailed(ILogger logger, Exception exception, string stationId);

    [LoggerMessage(5012, LogLevel.Information, "Facility {FacilityId} power re-balanced: {Sessions} sessions, {TotalW} W of {BudgetW} W")]
    public static partial void Rebalanced(ILogger logger, string facilityId, int sessions, long totalW, int budgetW);

    [LoggerMessage(5013, LogLevel.Warning, "Charging limits for {StationId} not pushed after it reconnected")]
    public static partial void LimitPushFailed(ILogger logger, Exception exception, string stationId);
}
