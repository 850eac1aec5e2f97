namespace EasyParkPlus.Data.GatewayApi;

// The command half of the ocpp-gateway's internal API (/internal/v1, key-checked): the bodies and answers its endpoints
// bind and its client (IGatewayApi, Refit) sends, so the two cannot drift. The request fields are nullable because the
// gateway checks what arrives and answers 400 with problem details.

public sealed record StartTransactionRequest(int? EvseId, string? IdToken, int? RemoteStartId);

public sealed record StopTransactionRequest(string? TransactionId);

/// <summary>What the station answered (its own Accepted/Rejected) and, for a start, the transaction it opened.</summary>
public sealed record StationCommandResponse(string Status, string? TransactionId = null);

public sealed record ReservePowerRequest(string? SessionId, string? StationId, int? EvseId, int? RequestedW);

/// <summary>The watts allocated now, within the facility's budget (may be less than requested).</summary>
public sealed record ReservePowerResponse(int AllocatedW);

public sealed record ReleasePowerRequest(string? SessionId);

public sealed record OpenGateRequest(string? SessionId, string? Message);

public sealed record GateMessageRequest(string? Text);

public sealed record GateCommandResponse(bool Acknowledged);
