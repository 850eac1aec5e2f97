using EasyParkPlus.Data.GatewayApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Ocpp;

// POST /internal/v1/chargers/transaction-events: the TransactionEvents stored of one transaction, so the charging
// activities copy a session's meter readings and charging states without reading gateway.transaction_events.
public static class TransactionEventEndpoints
{
    public static IEndpointRouteBuilder MapTransactionEventEndpoints(this IEndpointRouteBuilder internalApi)
    {
        internalApi.MapPost("/chargers/transaction-events", ReadAsync);
        return internalApi;
    }

    private static async Task<Results<Ok<TransactionEventsResponse>, ProblemHttpResult>> ReadAsync(
        TransactionEventsRequest? request, NpgsqlDataSource db, CancellationToken ct)
    {
        if (request is not { StationId: { } stationId, TransactionId: { } transactionId } || BadId(stationId) || BadId(transactionId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
                detail: $"stationId and transactionId are non-empty text of at most {ChargerLiveStateRequest.MaxIdLength} characters.");
        }
        await using var command = db.CreateCommand("""
            SELECT seq_no, device_time, received_at, energy_wh, charging_state FROM gateway.transaction_events
            WHERE station_id = $1 AND transaction_id = $2 ORDER BY seq_no
            """);
        command.Parameters.Add(new() { Value = stationId });
        command.Parameters.Add(new() { Value = transactionId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var events = new List<TransactionEventReading>();
        while (await reader.ReadAsync(ct))
        {
            events.Add(new TransactionEventReading(reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return TypedResults.Ok(new TransactionEventsResponse(events));
    }

    private static bool BadId(string id) => string.IsNullOrWhiteSpace(id) || id.Length > ChargerLiveStateRequest.MaxIdLength;
}
