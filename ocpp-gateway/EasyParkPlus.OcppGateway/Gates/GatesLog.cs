namespace EasyParkPlus.OcppGateway.Gates;

// Event ids 6000-6099 belong to the gate side of the gateway.
internal static partial class GatesLog
{
    [LoggerMessage(6000, LogLevel.Information, "Gate {GateId} connected")]
    public static partial void Connected(ILogger logger, string gateId);

    [LoggerMessage(6001, LogLevel.Information, "Gate {GateId} disconnected")]
    public static partial void Disconnected(ILogger logger, string gateId);

    [LoggerMessage(6002, LogLevel.Warning, "Gate {GateId} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string gateId, string reason);

    [LoggerMessage(6003, LogLevel.Information, "Gate {GateId} reported {Direction} of {Plate} (event {EventId}, duplicate {Duplicate})")]
    public static partial void EventStored(ILogger logger, string gateId, GateDirection direction, string plate, string eventId, bool duplicate);

    [LoggerMessage(6004, LogLevel.Warning, "Gate {GateId} sent an invalid message: {Code} {Error}")]
    public static partial void InvalidMessage(ILogger logger, string gateId, string code, string error);

    [LoggerMessage(6008, LogLevel.Information, "Gate command {Kind} {CommandId} to {GateId}: {Status}")]
    public static partial void CommandCompleted(ILogger logger, string kind, Guid commandId, string gateId, GateCommandStatus status);

    [LoggerMessage(6009, LogLevel.Warning, "Gate {GateId} acked unknown or expired command {CommandId}")]
    public static partial void UnexpectedAck(ILogger logger, string gateId, string commandId);

    [LoggerMessage(6010, LogLevel.Error, "Gate {GateId}: handling a message failed")]
    public static partial void MessageFailed(ILogger logger, Exception exception, string gateId);

    [LoggerMessage(6011, LogLevel.Information, "Seeded {Count} development gates")]
    public static partial void Seeded(ILogger logger, int count);

    [LoggerMessage(6012, LogLevel.Information, "Forwarded gate command for {GateId} to instance {Instance}")]
    public static partial void Forwarded(ILogger logger, string gateId, string instance);

    [LoggerMessage(6013, LogLevel.Warning, "Development gates not seeded: {Reason}")]
    public static partial void SeedingSkipped(ILogger logger, string reason);

    [LoggerMessage(6020, LogLevel.Warning, "Gate {GateId} event {EventId}: device time {DeviceTime} not trusted at arrival {ReceivedAt} ({Clock}); timed from its arrival")]
    public static partial void DeviceClockNotTrusted(ILogger logger, string gateId, string eventId, DateTimeOffset deviceTime, DateTimeOffset receivedAt, string clock);
}
