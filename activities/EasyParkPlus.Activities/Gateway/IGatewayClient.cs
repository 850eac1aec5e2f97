using EasyParkPlus.Data.GatewayApi;

namespace EasyParkPlus.Activities.Gateway;

/// <summary>
/// Commands to chargers and gates, carried by the ocpp-gateway's internal command API.
/// Failures: <see cref="GatewayUnavailableException"/> when the device is offline or did not answer in time, or the
/// gateway cannot be reached (retry); <see cref="GatewayRejectedException"/> when the device or gateway refused the
/// command or the request was invalid (do not retry).
/// </summary>
public interface IGatewayClient
{
    Task<StartTransactionResult> StartTransactionAsync(string stationId, int evseId, string idToken, int remoteStartId, CancellationToken cancellationToken);

    Task<bool> StopTransactionAsync(string stationId, string transactionId, CancellationToken cancellationToken);

    /// <summary>Asks for power within the facility's budget; returns the watts allocated now (may be less than requested).</summary>
    Task<int> ReservePowerAsync(string facilityId, PowerRequest request, CancellationToken cancellationToken);

    Task ReleasePowerAsync(string facilityId, string sessionId, CancellationToken cancellationToken);

    Task OpenGateAsync(string gateId, string sessionId, string? message, CancellationToken cancellationToken);

    Task ShowGateMessageAsync(string gateId, string text, CancellationToken cancellationToken);

    /// <summary>The TransactionEvents the gateway stored of a station's transaction, in seqNo order (empty when none).</summary>
    Task<IReadOnlyList<TransactionEventReading>> ReadTransactionEventsAsync(string stationId, string transactionId, CancellationToken cancellationToken);
}

public sealed record StartTransactionResult(bool Accepted, string? TransactionId);

public sealed record PowerRequest(string SessionId, string StationId, int EvseId, int RequestedW);

/// <summary>The device is offline, timed out, or the gateway is unreachable: worth retrying.</summary>
public sealed class GatewayUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The command was refused or invalid: retrying will not help.</summary>
public sealed class GatewayRejectedException(string message) : Exception(message);
