namespace EasyParkPlus.OcppGateway.Devices;

// The default sink until the workflow adapter is registered: events are persisted anyway, this only logs them.
public sealed partial class LoggingDeviceEventSink(ILogger<LoggingDeviceEventSink> logger) : IDeviceEventSink
{
    public Task ChargerTransactionEventAsync(ChargerTransactionEvent e, CancellationToken ct)
    {
        TransactionEvent(logger, e.DedupeId, e.EventType, e.ChargingState, e.EnergyWh);
        return Task.CompletedTask;
    }

    public Task ConnectorStatusAsync(ConnectorStatusChanged e, CancellationToken ct)
    {
        ConnectorStatus(logger, e.StationId, e.EvseId, e.ConnectorId, e.Status);
        return Task.CompletedTask;
    }

    public Task GateVehicleDetectedAsync(GateVehicleDetected e, CancellationToken ct)
    {
        GateVehicle(logger, e.GateId, e.EventId, e.Direction);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Transaction event {DedupeId} {EventType} state {ChargingState} energy {EnergyWh} Wh")]
    private static partial void TransactionEvent(ILogger logger, string dedupeId, TransactionEventType eventType, string? chargingState, long? energyWh);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Connector {StationId}/{EvseId}/{ConnectorId} is {Status}")]
    private static partial void ConnectorStatus(ILogger logger, string stationId, int evseId, int connectorId, string status);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Gate {GateId} event {EventId} {Direction}")]
    private static partial void GateVehicle(ILogger logger, string gateId, string eventId, GateEventDirection direction);
}
