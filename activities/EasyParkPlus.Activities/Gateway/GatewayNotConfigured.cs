using EasyParkPlus.Data.GatewayApi;

namespace EasyParkPlus.Activities.Gateway;

/// <summary>
/// Stands in for the HTTP client of the ocpp-gateway in a host that has no Gateway:BaseUrl (registered with
/// TryAdd, so the real one wins). App-driven check-in/check-out never call it; gate and charger commands fail loudly
/// (the activity retries) instead of pretending a gate opened.
/// </summary>
public sealed class GatewayNotConfigured : IGatewayClient
{
    private static InvalidOperationException Missing() => new("The ocpp-gateway client is not registered in this host (Gateway:BaseUrl).");

    public Task<StartTransactionResult> StartTransactionAsync(string stationId, int evseId, string idToken, int remoteStartId, CancellationToken cancellationToken) => throw Missing();

    public Task<bool> StopTransactionAsync(string stationId, string transactionId, CancellationToken cancellationToken) => throw Missing();

    public Task<int> ReservePowerAsync(string facilityId, PowerRequest request, CancellationToken cancellationToken) => throw Missing();

    public Task ReleasePowerAsync(string facilityId, string sessionId, CancellationToken cancellationToken) => throw Missing();

    public Task OpenGateAsync(string gateId, string sessionId, string? message, CancellationToken cancellationToken) => throw Missing();

    public Task ShowGateMessageAsync(string gateId, string text, CancellationToken cancellationToken) => throw Missing();

    public Task<IReadOnlyList<TransactionEventReading>> ReadTransactionEventsAsync(string stationId, string transactionId, CancellationToken cancellationToken) =>
        throw Missing();
}
