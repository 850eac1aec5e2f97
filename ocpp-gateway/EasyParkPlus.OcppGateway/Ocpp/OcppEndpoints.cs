using EasyParkPlus.OcppGateway.Devices;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using EasyParkPlus.OcppGateway.Gates;
using EasyParkPlus.ServiceDefaults.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.OcppGateway.Ocpp;

// GET /ocpp/{stationId}: the OCPP 2.0.1 WebSocket. Everything that can be refused is refused before the upgrade,
// with a problem details body: not a WebSocket request, no "ocpp2.0.1" subprotocol, no valid Basic login.
public static partial class OcppEndpoints
{
    public const string Realm = "EasyParkPlus OCPP";
    public const string ThrottleScope = "station";

    private static readonly PasswordHasher<string> Hasher = new();
    private static readonly Lazy<string> DecoyHash = new(() => Hasher.HashPassword(string.Empty, Guid.NewGuid().ToString()));

    public static string HashPassword(string stationId, string password) => Hasher.HashPassword(stationId, password);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,48}$")]
    private static partial Regex StationIdPattern();

    public static IEndpointRouteBuilder MapOcppEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/ocpp/{stationId}", AcceptAsync).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> AcceptAsync(string stationId, HttpContext context, OcppStore store, StationSession session,
        StationRegistry registry, IDeviceOwnership ownership, LoginThrottle throttle, IOptions<OcppOptions> options, TimeProvider time,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("EasyParkPlus.OcppGateway.Ocpp");
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "WebSocket upgrade required",
                detail: "Connect with a WebSocket and the subprotocol ocpp2.0.1.");
        }
        if (!context.WebSockets.WebSocketRequestedProtocols.Contains(OcppFraming.Subprotocol, StringComparer.Ordinal))
        {
            OcppLog.Refused(logger, stationId, "subprotocol");
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unsupported OCPP version",
                detail: "This endpoint speaks only the WebSocket subprotocol ocpp2.0.1 (Sec-WebSocket-Protocol).");
        }
        var address = context.Connection.RemoteIpAddress;
        // Too many failed logins for this station id or from this address: refused before any hash is computed.
        if (StationIdPattern().IsMatch(stationId) && await throttle.RetryAfterAsync(ThrottleScope, stationId, address) is { } wait)
        {
            OcppLog.Refused(logger, stationId, "too many failed logins");
            return LoginThrottleExtensions.TooManyFailedLogins(context, wait);
        }
        // No login for this id (or a malformed id) is refused before any lookup or hash, so it costs us nothing and says
        // nothing; a presented password costs one hash check whether the station exists or not.
        var presented = GateAuthenticator.TryReadBasic(context.Request.Headers.Authorization.ToString(), out var user, out var password)
            && user == stationId && StationIdPattern().IsMatch(stationId);
        var station = presented ? await store.FindStationAsync(stationId, context.RequestAborted) : null;
        var verified = presented && Hasher.VerifyHashedPassword(stationId, station?.SecretHash ?? DecoyHash.Value, password) != PasswordVerificationResult.Failed;
        if (station?.SecretHash is null || !verified)
        {
            if (presented)
            {
                await throttle.FailedAsync(ThrottleScope, stationId, address);
            }
            OcppLog.Refused(logger, stationId, "authentication");
            context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Station login required",
                detail: "OCPP security profile 1: HTTP Basic with the station id as user name.");
        }

        await throttle.SucceededAsync(ThrottleScope, stationId, address);
        // Claimed before the upgrade, so commands on any instance route here as soon as the station is connected.
        await ownership.ClaimAsync(DeviceKind.Station, stationId, context.RequestAborted);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = OcppFraming.Subprotocol,
            KeepAliveInterval = TimeSpan.FromSeconds(30),
        });
        using var connection = new StationConnection(stationId, station.FacilityId, socket, time, options.Value.CallTimeout);
        if (registry.Register(connection) is { } previous)
        {
            previous.MarkClosed();
            previous.Socket.Abort();
        }
        OcppLog.Connected(logger, stationId);
        try
        {
            await session.RunAsync(connection, context.RequestAborted);
        }
        finally
        {
            connection.MarkClosed();
            registry.Unregister(connection);
            if (registry.Find(stationId) is null)
            {
                // Only our own claim is removed: a station that reconnected to another instance keeps that owner.
                await ownership.ReleaseAsync(DeviceKind.Station, stationId, CancellationToken.None);
            }
            OcppLog.Disconnected(logger, stationId);
        }
        return TypedResults.Empty;
    }
}

// Reads a station's messages until it leaves: CALLs go to the handlers one at a time (a station has
// at most one outstanding CALL), answers complete our pending CALLs, anything malformed gets a CALLERROR.
public sealed class StationSession(OcppHandlers handlers, PowerBudget power, IOptions<OcppOptions> options, ILogger<StationSession> logger)
{
    public async Task RunAsync(StationConnection connection, CancellationToken ct)
    {
        var socket = connection.Socket;
        var buffer = new byte[options.Value.MaxMessageBytes];
        var limitsPushed = false;
        try
        {
            while (socket.State == WebSocketState.Open && !ct.IsCancellationRequested)
            {
                var length = 0;
                var tooLarge = false;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        tooLarge = true;
                        length = 0;
                    }
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), ct);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }
                if (tooLarge || result.MessageType == WebSocketMessageType.Binary)
                {
                    var why = tooLarge ? $"Messages are limited to {buffer.Length} bytes." : "OCPP-J messages are text frames.";
                    OcppLog.InvalidMessage(logger, connection.StationId, OcppErrorCodes.FormatViolation, why);
                    await connection.SendTextAsync(OcppFraming.ErrorText("-1", OcppErrorCodes.FormatViolation, why), ct);
                    continue;
                }
                var frame = OcppFraming.Parse(buffer.AsSpan(0, length));
                await HandleFrameAsync(connection, frame, ct);
                if (frame is OcppCall && !limitsPushed)
                {
                    // After the station's first message is answered (its BootNotification when it rebooted), it gets the
                    // charging limits it may have missed while offline. Not awaited: the answers come through this loop.
                    limitsPushed = true;
                    _ = PushLimitsAsync(connection);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The station went away; its outstanding CALLs end as offline.
        }
    }

    private async Task PushLimitsAsync(StationConnection connection)
    {
        try
        {
            await power.PushCurrentLimitsAsync(connection.FacilityId, connection.StationId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            OcppLog.LimitPushFailed(logger, ex, connection.StationId);
        }
    }

    private async Task HandleFrameAsync(StationConnection connection, OcppFrame frame, CancellationToken ct)
    {
        switch (frame)
        {
            case OcppCall call:
                var reply = await handlers.HandleAsync(connection, call, ct);
                OcppMetrics.Received(call.Action, reply);
                await connection.SendTextAsync(reply, ct);
                break;
            case OcppCallResult answer:
                connection.Complete(answer.MessageId, new CallOutcome(CallOutcomeKind.Answered, answer.Payload));
                break;
            case OcppCallError error:
                connection.Complete(error.MessageId, new CallOutcome(CallOutcomeKind.Error, default, error.ErrorCode, error.Description));
                break;
            case OcppMalformed malformed:
                OcppMetrics.Malformed(malformed.ErrorCode);
                OcppLog.InvalidMessage(logger, connection.StationId, malformed.ErrorCode, malformed.Description);
                await connection.SendTextAsync(OcppFraming.ErrorText(malformed.MessageId, malformed.ErrorCode, malformed.Description), ct);
                break;
        }
    }
}
