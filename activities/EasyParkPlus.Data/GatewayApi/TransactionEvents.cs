namespace EasyParkPlus.Data.GatewayApi;

// The ocpp-gateway's internal endpoint POST /internal/v1/chargers/transaction-events (key-checked like the rest of
// /internal/v1): the TransactionEvents the gateway stored of one transaction, so the charging activities copy a
// session's readings without reading the gateway's tables. Shared by the gateway's endpoint and its client.

public sealed record TransactionEventsRequest(string? StationId, string? TransactionId);

/// <summary>Every stored event of the transaction in seqNo order; empty when the gateway has none.</summary>
public sealed record TransactionEventsResponse(IReadOnlyList<TransactionEventReading> Events);

/// <summary>
/// One TransactionEvent as the station reported it: its seqNo and device time, when the gateway received it, the energy
/// register in Wh (null without a reading) and the OCPP chargingState (null when the event carried none).
/// </summary>
public sealed record TransactionEventReading(int SeqNo, DateTimeOffset DeviceTime, DateTimeOffset ReceivedAt, long? EnergyWh, string? ChargingState);
