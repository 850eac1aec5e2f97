using EasyParkPlus.Data.GatewayApi;
using Refit;

namespace EasyParkPlus.Activities.Gateway;

/// <summary>
/// The ocpp-gateway's internal command API as Refit sends it (base address Gateway:BaseUrl, header
/// <c>X-EasyPark-Internal-Key</c> on the HttpClient). Bodies and answers are the records the gateway's endpoints bind
/// (EasyParkPlus.Data.GatewayApi); path values are escaped by Refit. <see cref="GatewayClient"/> classifies failures.
/// </summary>
public interface IGatewayApi
{
    [Post("/internal/v1/stations/{stationId}/start-transaction")]
    Task<StationCommandResponse> StartTransactionAsync(string stationId, [Body] StartTransactionRequest request, CancellationToken cancellationToken);

    [Post("/internal/v1/stations/{stationId}/stop-transaction")]
    Task<StationCommandResponse> StopTransactionAsync(string stationId, [Body] StopTransactionRequest request, CancellationToken cancellationToken);

    [Post("/internal/v1/facilities/{facilityId}/power/reserve")]
    Task<ReservePowerResponse> ReservePowerAsync(string facilityId, [Body] ReservePowerRequest request, CancellationToken cancellationToken);

    [Post("/internal/v1/facilities/{facilityId}/power/release")]
    Task ReleasePowerAsync(string facilityId, [Body] ReleasePowerRequest request, CancellationToken cancellationToken);

    [Post("/internal/v1/gates/{gateId}/open")]
    Task<GateCommandResponse> OpenGateAsync(string gateId, [Body] OpenGateRequest request, CancellationToken cancellationToken);

    [Post("/internal/v1/gates/{gateId}/message")]
    Task<GateCommandResponse> ShowGateMessageAsync(string gateId, [Body] GateMessageRequest request, CancellationToken cancellationToken);

    [Post("/internal/v1/chargers/transaction-events")]
    Task<TransactionEventsResponse> ReadTransactionEventsAsync([Body] TransactionEventsRequest request, CancellationToken cancellationToken);
}
