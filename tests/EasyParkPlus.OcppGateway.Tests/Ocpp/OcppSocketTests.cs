using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace EasyParkPlus.OcppGateway.Tests.Ocpp;

// The /ocpp/{stationId} WebSocket on a real Kestrel port and real PostgreSQL: handshake refusals before the
// upgrade, the station→CSMS handlers and what they persist, and the CALLERROR for each kind of bad frame.
public sealed class OcppSocketTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    private static async Task<(WebSocketState State, HttpStatusCode Status, string? SubProtocol)> TryConnectAsync(
        GatewayHost host, string stationId, string? password, params string[] subprotocols)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var protocol in subprotocols)
        {
            socket.Options.AddSubProtocol(protocol);
        }
        if (password is not null)
        {
            socket.Options.SetRequestHeader("Authorization", GatewayHost.Basic(stationId, password).ToString());
        }
        try
        {
            await socket.ConnectAsync(host.StationUri(stationId), CancellationToken.None);
        }
        catch (WebSocketException)
        {
            return (socket.State, socket.HttpStatusCode, null);
        }
        var result = (socket.State, socket.HttpStatusCode, socket.SubProtocol);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        return result;
    }

    [Fact]
    public async Task Handshake_RefusesOtherSubprotocolsAndBadLoginsBeforeTheUpgrade_AcceptsOcpp201WithBasic()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        var station = GatewayDatabaseFixture.Station1;

        Assert.Equal(HttpStatusCode.BadRequest, (await TryConnectAsync(host, station, GatewayDatabaseFixture.StationPassword, "ocpp1.6")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await TryConnectAsync(host, station, GatewayDatabaseFixture.StationPassword)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TryConnectAsync(host, station, "wrong-password-123", "ocpp2.0.1")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TryConnectAsync(host, station, null, "ocpp2.0.1")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await TryConnectAsync(host, "NO-SUCH-STATION", GatewayDatabaseFixture.StationPassword, "ocpp2.0.1")).Status);

        var accepted = await TryConnectAsync(host, station, GatewayDatabaseFixture.StationPassword, "ocpp1.6", "ocpp2.0.1");
        Assert.Equal((HttpStatusCode.SwitchingProtocols, "ocpp2.0.1"), (accepted.Status, accepted.SubProtocol));

        // A plain GET is told to upgrade, with problem details.
        using var plain = await host.Http.GetAsync($"ocpp/{station}");
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Equal("application/problem+json", plain.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Boot_Heartbeat_Status_ArePersistedAndAnsweredPerSchema()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var station = await host.ConnectAsync(GatewayDatabaseFixture.Station2);

        var boot = await station.ResultAsync("BootNotification", new
        {
            reason = "PowerUp",
            chargingStation = new { model = "Terra 184", vendorName = "ABB", firmwareVersion = "1.8.3", serialNumber = "SN-42" },
        });
        Assert.Equal("Accepted", boot.GetProperty("status").GetString());
        Assert.Equal(300, boot.GetProperty("interval").GetInt32());
        Assert.Equal(GatewayHost.Start, DateTimeOffset.Parse(boot.GetProperty("currentTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("ABB/Terra 184/1.8.3/SN-42", await db.ScalarAsync<string>(
            "SELECT vendor || '/' || model || '/' || firmware_version || '/' || serial_number FROM charging.chargers WHERE station_id = $1", GatewayDatabaseFixture.Station2));

        host.Clock.Advance(TimeSpan.FromMinutes(5));
        var heartbeat = await station.ResultAsync("Heartbeat", new { });
        Assert.Equal(GatewayHost.Start.AddMinutes(5), DateTimeOffset.Parse(heartbeat.GetProperty("currentTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture));

        var deviceTime = GatewayHost.Start.AddMinutes(4);
        var status = await station.ResultAsync("StatusNotification", new { timestamp = deviceTime.ToString("O"), connectorStatus = "Occupied", evseId = 1, connectorId = 1 });
        Assert.Equal(JsonValueKind.Object, status.ValueKind);
        Assert.Empty(status.EnumerateObject());
        // An older notification arriving late does not overwrite the newer state.
        await station.ResultAsync("StatusNotification", new { timestamp = deviceTime.AddMinutes(-1).ToString("O"), connectorStatus = "Available", evseId = 1, connectorId = 1 });
        Assert.Equal("Occupied", await db.ScalarAsync<string>(
            "SELECT status FROM gateway.connector_status WHERE station_id = $1 AND evse_id = 1 AND connector_id = 1", GatewayDatabaseFixture.Station2));
        Assert.Contains(host.Sink.Statuses, s => s is { Status: "Occupied", EvseId: 1, ConnectorId: 1 } && s.Timestamp == deviceTime);
    }

    [Fact]
    public async Task Authorize_UnknownInvalidAccepted_FromIdTokensCustomersAndPaymentMethods()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var station = await host.ConnectAsync(GatewayDatabaseFixture.Station1);
        var withCard = Guid.NewGuid();
        var withoutCard = Guid.NewGuid();
        foreach (var (id, name) in new[] { (withCard, "card"), (withoutCard, "nocard") })
        {
            await db.ExecuteAsync("INSERT INTO accounts.customers (id, email, name, role) VALUES ($1, $2, $3, 'driver')", id, $"{name}-{id:N}@example.com", name);
        }
        await db.ExecuteAsync("""
            INSERT INTO accounts.payment_methods (id, customer_id, stripe_customer_id, stripe_payment_method_id, brand, last4)
            VALUES ($1, $2, 'cus_test', $3, 'visa', '4242')
            """, Guid.NewGuid(), withCard, $"pm_{Guid.NewGuid():N}");
        await db.ExecuteAsync("INSERT INTO gateway.id_tokens (id_token, customer_id) VALUES ('RFID-CARD-1', $1), ('RFID-NOCARD', $2)", withCard, withoutCard);
        await db.ExecuteAsync("INSERT INTO gateway.id_tokens (id_token, customer_id, blocked) VALUES ('RFID-BLOCKED', $1, true)", withCard);

        async Task<string> Authorize(string token, string type = "ISO14443") =>
            (await station.ResultAsync("Authorize", new { idToken = new { idToken = token, type } })).GetProperty("idTokenInfo").GetProperty("status").GetString()!;

        Assert.Equal("Accepted", await Authorize("RFID-CARD-1"));
        Assert.Equal("Invalid", await Authorize("RFID-NOCARD"));
        Assert.Equal("Invalid", await Authorize("RFID-BLOCKED"));
        Assert.Equal("Unknown", await Authorize("RFID-NEVER-SEEN"));
        Assert.Equal("Accepted", await Authorize(withoutCard.ToString(), "Central"));
        Assert.Equal("Unknown", await Authorize(Guid.NewGuid().ToString(), "Central"));
    }

    public static TheoryData<string, string, string> BadFrames() => new()
    {
        // frame, expected error code, expected messageId in the CALLERROR
        { "this is not json", "RpcFrameworkError", "-1" },
        { "{\"a\":1}", "RpcFrameworkError", "-1" },
        { "[2, 17, \"Heartbeat\", {}]", "RpcFrameworkError", "-1" },
        { "[9, \"x1\", \"Heartbeat\", {}]", "MessageTypeNotSupported", "x1" },
        { "[2, \"x2\", \"Heartbeat\"]", "RpcFrameworkError", "x2" },
        { "[2, \"x3\", \"Heartbeat\", [1]]", "FormatViolation", "x3" },
        { "[2, \"x4\", \"FlyToTheMoon\", {}]", "NotImplemented", "x4" },
        { "[2, \"x5\", \"DataTransfer\", {\"vendorId\": \"acme\"}]", "NotSupported", "x5" },
        { "[2, \"x6\", \"BootNotification\", {\"reason\": \"PowerUp\"}]", "OccurrenceConstraintViolation", "x6" },
        { "[2, \"x7\", \"BootNotification\", {\"reason\": \"PowerUp\", \"chargingStation\": {\"model\": 5, \"vendorName\": \"ABB\"}}]", "TypeConstraintViolation", "x7" },
        { "[2, \"x8\", \"BootNotification\", {\"reason\": \"Sunrise\", \"chargingStation\": {\"model\": \"M\", \"vendorName\": \"ABB\"}}]", "PropertyConstraintViolation", "x8" },
        { "[2, \"x9\", \"BootNotification\", {\"reason\": \"PowerUp\", \"chargingStation\": {\"model\": \"a-model-name-longer-than-20\", \"vendorName\": \"ABB\"}}]", "PropertyConstraintViolation", "x9" },
        { "[2, \"x10\", \"StatusNotification\", {\"timestamp\": \"yesterday\", \"connectorStatus\": \"Available\", \"evseId\": 1, \"connectorId\": 1}]", "FormatViolation", "x10" },
        { "[2, \"x11\", \"StatusNotification\", {\"timestamp\": \"2026-12-06T08:00:00Z\", \"connectorStatus\": \"Available\", \"evseId\": -1, \"connectorId\": 1}]", "PropertyConstraintViolation", "x11" },
        { "[2, \"x12\", \"TransactionEvent\", {\"eventType\": \"Started\", \"timestamp\": \"2026-12-06T08:00:00Z\", \"triggerReason\": \"Authorized\", \"seqNo\": 0}]", "OccurrenceConstraintViolation", "x12" },
        { "[2, \"x13\", \"MeterValues\", {\"evseId\": 1, \"meterValue\": []}]", "OccurrenceConstraintViolation", "x13" },
        { "[2, \"x14\", \"Authorize\", {\"idToken\": {\"idToken\": \"A\", \"type\": \"Central\"}, \"certificate\": 12}]", "TypeConstraintViolation", "x14" },
        { "[2, \"x15\", \"Authorize\", {\"idToken\": {\"idToken\": \"A\", \"type\": \"Central\"}, \"x\": null}]", "FormatViolation", "x15" },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task MalformedFrame_GetsTheRightCallError_AndTheSocketStaysUsable(string frame, string errorCode, string messageId)
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var station = await host.ConnectAsync(GatewayDatabaseFixture.Station1);

        await station.SendTextAsync(frame);
        var answer = await station.ReceiveAsync();
        Assert.Equal((4, messageId, errorCode), (answer[0].GetInt32(), answer[1].GetString(), answer[2].GetString()));
        Assert.False(string.IsNullOrEmpty(answer[3].GetString()));
        Assert.Equal(JsonValueKind.Object, answer[4].ValueKind);
        // Still connected and answering.
        var heartbeat = await station.ResultAsync("Heartbeat", new { });
        Assert.True(heartbeat.TryGetProperty("currentTime", out _));
    }

    [Fact]
    public async Task OversizedAndBinaryMessages_GetFormatViolation_NotAClosedSocket()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var station = await host.ConnectAsync(GatewayDatabaseFixture.Station1);

        await station.SendTextAsync("[2, \"big\", \"DataTransfer\", {\"vendorId\": \"" + new string('x', 100_000) + "\"}]");
        var big = await station.ReceiveAsync();
        Assert.Equal((4, "FormatViolation"), (big[0].GetInt32(), big[2].GetString()));

        await station.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        var binary = await station.ReceiveAsync();
        Assert.Equal((4, "FormatViolation"), (binary[0].GetInt32(), binary[2].GetString()));

        Assert.True((await station.ResultAsync("Heartbeat", new { })).TryGetProperty("currentTime", out _));
    }
}
