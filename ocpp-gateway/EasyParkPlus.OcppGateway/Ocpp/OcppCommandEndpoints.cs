using EasyParkPlus.Data.GatewayApi;
using EasyParkPlus.OcppGateway.Devices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EasyParkPlus.OcppGateway.Ocpp;

// The charger half of /internal/v1 (key-checked by the group): commands become CALLs to the station.
// Station unknown → 404, not connected → 503 at once, no answer within Ocpp:CallTimeout → 504,
// CALLERROR or a rejected profile → 409; a station's own Accepted/Rejected status is a 200.
public static class OcppCommandEndpoints
{
    // The other CSMS→station calls, passed through with the payload as given (the station validates it).
    public static readonly IReadOnlySet<string> GenericActions = new HashSet<string>(StringComparer.Ordinal)
    {
        "ChangeAvailability", "Reset", "TriggerMessage", "UnlockConnector", "GetVariables", "SetVariables", "ClearChargingProfile",
        "ClearCache", "GetTransactionStatus", "GetCompositeSchedule", "GetChargingProfiles",
        // Also how another instance sends its start/stop and power limits to a station held here.
        "SetChargingProfile", "RequestStartTransaction", "RequestStopTransaction",
    };

    public static IEndpointRouteBuilder MapOcppCommandEndpoints(this IEndpointRouteBuilder internalApi)
    {
        internalApi.MapPost("/stations/{stationId}/start-transaction", StartAsync);
        internalApi.MapPost("/stations/{stationId}/stop-transaction", StopAsync);
        internalApi.MapPost("/stations/{stationId}/calls/{action}", GenericAsync);
        internalApi.MapPost("/facilities/{facilityId}/power/reserve", ReserveAsync);
        internalApi.MapPost("/facilities/{facilityId}/power/release", ReleaseAsync);
        return internalApi;
    }

    private static ProblemHttpResult Invalid(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: detail);

    private static async Task<IResult?> UnknownAsync(string stationId, OcppStore store, CancellationToken ct) =>
        await store.FindStationAsync(stationId, ct) is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown station", detail: $"No charging station '{stationId}'.")
            : null;

    private static ProblemHttpResult Offline(string stationId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Station offline", detail: $"Station '{stationId}' is not connected.");

    public static IResult? Failure(CallOutcome outcome, string stationId, string action) => outcome.Kind switch
    {
        CallOutcomeKind.Offline => Offline(stationId),
        CallOutcomeKind.TimedOut => TypedResults.Problem(statusCode: StatusCodes.Status504GatewayTimeout, title: "Station did not answer",
            detail: $"Station '{stationId}' did not answer {action} in time."),
        CallOutcomeKind.Error => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Station refused the command",
            detail: $"Station '{stationId}' answered {action} with {outcome.ErrorCode}: {outcome.ErrorDescription}"),
        _ => null,
    };

    private static string Status(CallOutcome outcome) =>
        outcome.Payload.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String ? status.GetString()! : "Rejected";

    private static async Task<IResult> StartAsync(string stationId, StartTransactionRequest? body, OcppStore store, StationCaller caller, CancellationToken ct)
    {
        if (body is not { EvseId: > 0, IdToken.Length: > 0 and <= 36, RemoteStartId: { } remoteStartId })
        {
            return Invalid("evseId (> 0), idToken (1-36 characters) and remoteStartId are required.");
        }
        if (await UnknownAsync(stationId, store, ct) is { } unknown)
        {
            return unknown;
        }
        var outcome = await caller.CallAsync(stationId, "RequestStartTransaction", new
        {
            evseId = body.EvseId,
            remoteStartId,
            idToken = new { idToken = body.IdToken, type = "Central" },
        }, ct);
        if (Failure(outcome, stationId, "RequestStartTransaction") is { } failed)
        {
            return failed;
        }
        var transactionId = outcome.Payload.TryGetProperty("transactionId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        return TypedResults.Json(new StationCommandResponse(Status(outcome), transactionId), OcppFraming.Json);
    }

    private static async Task<IResult> StopAsync(string stationId, StopTransactionRequest? body, OcppStore store, StationCaller caller, CancellationToken ct)
    {
        if (body is not { TransactionId.Length: > 0 and <= 36 })
        {
            return Invalid("transactionId (1-36 characters) is required.");
        }
        if (await UnknownAsync(stationId, store, ct) is { } unknown)
        {
            return unknown;
        }
        var outcome = await caller.CallAsync(stationId, "RequestStopTransaction", new { transactionId = body.TransactionId }, ct);
        return Failure(outcome, stationId, "RequestStopTransaction") ?? TypedResults.Json(new StationCommandResponse(Status(outcome)), OcppFraming.Json);
    }

    private static async Task<IResult> GenericAsync(string stationId, string action, JsonElement body, OcppStore store, StationCaller caller, CancellationToken ct)
    {
        if (!GenericActions.Contains(action))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown call",
                detail: $"Supported actions: {string.Join(", ", GenericActions.Order(StringComparer.Ordinal))}.");
        }
        if (body.ValueKind != JsonValueKind.Object)
        {
            return Invalid("The body is the OCPP request payload, a JSON object.");
        }
        if (await UnknownAsync(stationId, store, ct) is { } unknown)
        {
            return unknown;
        }
        var outcome = await caller.CallAsync(stationId, action, body, ct);
        return Failure(outcome, stationId, action) ?? TypedResults.Json(outcome.Payload);
    }

    private static async Task<IResult> ReserveAsync(string facilityId, ReservePowerRequest? body, OcppStore store, StationCaller caller,
        IDeviceOwnership ownership, PowerBudget budget, CancellationToken ct)
    {
        if (body is not { SessionId.Length: > 0 and <= 100, StationId.Length: > 0, EvseId: > 0, RequestedW: > 0 })
        {
            return Invalid("sessionId, stationId, evseId (> 0) and requestedW (> 0) are required.");
        }
        var station = await store.FindStationAsync(body.StationId, ct);
        if (station is null || station.FacilityId != facilityId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown station",
                detail: $"No charging station '{body.StationId}' at facility '{facilityId}'.");
        }
        if (!caller.IsLocal(body.StationId) && await ownership.FindOtherOwnerAsync(DeviceKind.Station, body.StationId, ct) is null)
        {
            return Offline(body.StationId);
        }
        var outcome = await budget.ReserveAsync(facilityId, new PowerReservation(body.SessionId, body.StationId, body.EvseId.Value, body.RequestedW.Value), ct);
        return outcome.Failure is { } failure
            ? Failure(failure, body.StationId, "SetChargingProfile")!
            : TypedResults.Ok(new ReservePowerResponse(outcome.AllocatedW));
    }

    private static async Task<IResult> ReleaseAsync(string facilityId, ReleasePowerRequest? body, PowerBudget budget, CancellationToken ct)
    {
        if (body is not { SessionId.Length: > 0 and <= 100 })
        {
            return Invalid("sessionId is required.");
        }
        await budget.ReleaseAsync(facilityId, body.SessionId, ct);
        return TypedResults.NoContent();
    }
}
