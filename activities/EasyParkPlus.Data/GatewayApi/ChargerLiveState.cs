namespace EasyParkPlus.Data.GatewayApi;

// The ocpp-gateway's internal endpoint POST /internal/v1/chargers/live-state (key-checked like the rest of /internal/v1).
// Request and response live here, beside the data model both the gateway and its callers reference, so a client
// (today the api's GatewayLiveStateClient) and the gateway's endpoint share one definition of the wire shape.

/// <summary>Which stations to describe, and which of their transactions to read meters for (either may be empty).</summary>
public sealed record ChargerLiveStateRequest(IReadOnlyList<string>? StationIds, IReadOnlyList<TransactionRef>? Transactions)
{
    /// <summary>Most ids one request may name (stations plus transactions).</summary>
    public const int MaxItems = 10_000;

    public const int MaxIdLength = 64;
}

public sealed record TransactionRef(string StationId, string TransactionId);

public sealed record ChargerLiveStateResponse(IReadOnlyList<StationLiveState> Stations, IReadOnlyList<TransactionMeter> Transactions);

/// <summary>
/// A station as the gateway sees it now: Online while an instance holds its connection; per EVSE the most telling
/// connector status it reported (Faulted before Unavailable, Occupied, Reserved, Available; null before any report)
/// and the watts the facility budget grants it.
/// </summary>
public sealed record StationLiveState(string StationId, bool Online, IReadOnlyList<EvseLiveState> Evses);

public sealed record EvseLiveState(int EvseId, string? Status, int AllocatedW);

/// <summary>
/// The last energy register reading of a transaction (Wh, null before any) and the power it draws now (W, from the last
/// two readings over the station's clock, null with fewer than two).
/// </summary>
public sealed record TransactionMeter(string StationId, string TransactionId, long? EnergyWh, int? PowerW);
