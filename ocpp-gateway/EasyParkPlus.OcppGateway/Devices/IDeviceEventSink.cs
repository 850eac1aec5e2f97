namespace EasyParkPlus.OcppGateway.Devices;

/// <summary>
/// Where device events go once the gateway has persisted them (the lead's adapter signals the workflows).
/// Implementations must be idempotent: an event can be handed over again after a crash or failure
/// (transaction events carry <see cref="ChargerTransactionEvent.DedupeId"/>, gate events their EventId).
/// </summary>
public interface IDeviceEventSink
{
    Task GateVehicleDetectedAsync(GateVehicleDetected e, CancellationToken ct);

    Task ChargerTransactionEventAsync(ChargerTransactionEvent e, CancellationToken ct);

    Task ConnectorStatusAsync(ConnectorStatusChanged e, CancellationToken ct);
}

public enum GateEventDirection { Entry, Exit }

/// <summary>A stored gate event. Timestamp is the device's time; ReceivedAt when the gateway stored it; ClockFlag, when set,
/// why the device time was not trusted (DeviceClockFlag.Ahead or Stale), so the workflows time it from ReceivedAt.</summary>
public sealed record GateVehicleDetected(string EventId, string GateId, string FacilityId, GateEventDirection Direction, string Plate, DateTimeOffset Timestamp, string? PhotoRef)
{
    public DateTimeOffset? ReceivedAt { get; init; }

    public string? ClockFlag { get; init; }
}

public enum TransactionEventType { Started, Updated, Ended }

/// <summary>One OCPP TransactionEvent. Timestamp is the station's clock; EnergyWh the Energy.Active.Import.Register reading in Wh.
/// EvseId is 0 when the station never named the EVSE of this transaction.</summary>
public sealed record ChargerTransactionEvent(
    string StationId,
    int EvseId,
    int? ConnectorId,
    string TransactionId,
    TransactionEventType EventType,
    int SeqNo,
    DateTimeOffset Timestamp,
    string TriggerReason,
    string? ChargingState,
    long? EnergyWh,
    string? IdToken,
    int? RemoteStartId,
    string? StoppedReason,
    bool Offline)
{
    public string DedupeId => $"{StationId}/{TransactionId}/{SeqNo}";

    // The idToken's type (ISO14443, Central, ...) and what the gateway answered the station about it (Accepted, Invalid,
    // Unknown): only a token the gateway accepted as registered to a customer bills that customer.
    public string? IdTokenType { get; init; }

    public string? IdTokenStatus { get; init; }
}

/// <summary>A StatusNotification: Available, Occupied, Reserved, Unavailable or Faulted, at the station's time.</summary>
public sealed record ConnectorStatusChanged(string StationId, int EvseId, int ConnectorId, string Status, DateTimeOffset Timestamp);
