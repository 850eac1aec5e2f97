using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using EasyParkPlus.TestSupport.Devices;
using static EasyParkPlus.OcppGateway.Tests.GatewayDatabaseFixture;

namespace EasyParkPlus.OcppGateway.Tests.Gates;

public sealed class GateInputAndDeliveryTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    private const string Marker = "corpus-";

    // Each entry: what the controller sends, the error code it must get back.
    public static TheoryData<string, string> MalformedMessages()
    {
        const string ts = "2026-12-06T07:00:00Z";
        return new TheoryData<string, string>
        {
            { "not json at all", "malformedJson" },
            { "{\"type\":\"vehicleDetected\",", "malformedJson" },
            { "", "malformedJson" },
            { "[1,2,3]", "invalidMessage" },
            { "\"vehicleDetected\"", "invalidMessage" },
            { "null", "invalidMessage" },
            { "{}", "invalidMessage" },
            { "{\"type\":42}", "invalidMessage" },
            { "{\"type\":\"teleport\"}", "unknownType" },
            { $"{{\"type\":\"vehicleDetected\",\"direction\":\"entry\",\"plate\":\"AB1\",\"timestamp\":\"{ts}\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}1\",\"direction\":\"sideways\",\"plate\":\"AB1\",\"timestamp\":\"{ts}\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}2\",\"direction\":\"ENTRY \",\"plate\":\"AB1\",\"timestamp\":\"{ts}\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}3\",\"direction\":\"entry\",\"timestamp\":\"{ts}\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}4\",\"direction\":\"entry\",\"plate\":\"'; DROP TABLE gates.events; --\",\"timestamp\":\"{ts}\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}5\",\"direction\":\"entry\",\"plate\":\"<script>alert(1)</script>\",\"timestamp\":\"{ts}\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}6\",\"direction\":\"entry\",\"plate\":\"ABCDEFGHIJKLMNOP\",\"timestamp\":\"{ts}\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}7\",\"direction\":\"entry\",\"plate\":\"AB1\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}8\",\"direction\":\"entry\",\"plate\":\"AB1\",\"timestamp\":\"2026-12-06T07:00:00\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}9\",\"direction\":\"entry\",\"plate\":\"AB1\",\"timestamp\":\"yesterday\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}10\",\"direction\":\"entry\",\"plate\":\"AB1\",\"timestamp\":\"2100-01-01T00:00:00Z\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}11\",\"direction\":\"entry\",\"plate\":\"AB1\",\"timestamp\":1733472000}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}12\",\"direction\":\"entry\",\"plate\":\"AB1\",\"timestamp\":\"{ts}\",\"photoRef\":\"a\\u0000b\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}13\",\"direction\":\"entry\",\"plate\":\"AB1\",\"timestamp\":\"{ts}\",\"photoRef\":7}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"../../etc/passwd\",\"direction\":\"entry\",\"plate\":\"AB1\",\"timestamp\":\"{ts}\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{new string('e', 65)}\",\"direction\":\"entry\",\"plate\":\"AB1\",\"timestamp\":\"{ts}\"}}", "invalidMessage" },
            { $"{{\"type\":\"vehicleDetected\",\"eventId\":\"{Marker}14\",\"direction\":\"entry\",\"plate\":\"AB\\u202E1\",\"timestamp\":\"{ts}\"}}", "invalidMessage" },
            { "{\"type\":\"ack\"}", "invalidMessage" },
            { "{\"type\":\"ack\",\"commandId\":\"deadbeef\",\"status\":\"maybe\"}", "invalidMessage" },
            { "{\"type\":\"ack\",\"commandId\":\"deadbeef\"}", "unknownCommand" },
            { new string('[', 5000) + new string(']', 5000), "messageTooLarge" },
            { "{\"a\":" + string.Concat(Enumerable.Repeat("[", 40)) + string.Concat(Enumerable.Repeat("]", 40)) + "}", "malformedJson" },
            { "{\"type\":\"vehicleDetected\",\"padding\":\"" + new string('x', 9000) + "\"}", "messageTooLarge" },
        };
    }

    [Fact]
    public async Task Socket_MalformedCorpus_EachGetsErrorNothingStoredConnectionStaysUp()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var gate = await host.ConnectGateAsync(EntryGate);
        foreach (var row in MalformedMessages())
        {
            var (message, code) = ((string)row[0], (string)row[1]);
            await gate.SendTextAsync(message);
            var reply = await gate.ReceiveAsync();
            Assert.True(reply.GetProperty("type").GetString() == "error", $"expected an error for {Shorten(message)}, got {reply}");
            Assert.Equal(code, reply.GetProperty("code").GetString());
            Assert.False(string.IsNullOrWhiteSpace(reply.GetProperty("message").GetString()));
            Assert.Equal(WebSocketState.Open, gate.Socket.State);
        }
        await gate.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal("textOnly", (await gate.ReceiveAsync()).GetProperty("code").GetString());
        // A message split into frames is one message.
        var framedId = $"framed-{Guid.NewGuid():N}";
        var framed = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(GateClient.Event(framedId, "entry", "FR1", GatewayHost.Start)));
        await gate.Socket.SendAsync(framed.AsMemory(0, 10), WebSocketMessageType.Text, false, CancellationToken.None);
        await gate.Socket.SendAsync(framed.AsMemory(10), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal(framedId, (await gate.ReceiveAsync()).GetProperty("eventId").GetString());

        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM gates.events WHERE event_id = $1", framedId));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM gates.events WHERE event_id LIKE 'corpus-%'"));
        await host.Sink.WaitForGateEventsAsync(framedId);
        await GateSocketTests.DeliveredAsync(db, [framedId]);
        Assert.Single(host.Sink.GateEvents, e => e.EventId == framedId);
    }

    [Fact]
    public async Task Http_MalformedBodies_400ProblemDetailsAndNothingStored()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString,
            settings: new Dictionary<string, string?> { ["Gates:MaxBatchBytes"] = "2048" });
        const string valid = "{\"eventId\":\"http-ok-1\",\"direction\":\"exit\",\"plate\":\"AB1\",\"timestamp\":\"2026-12-06T07:00:00Z\"}";
        string[] bodies =
        [
            "not json",
            "",
            "[]",
            "{}",
            "42",
            $"[{valid}, {{\"eventId\":\"http-bad-2\",\"direction\":\"up\",\"plate\":\"AB1\",\"timestamp\":\"2026-12-06T07:00:00Z\"}}]",
            $"[{valid}, null]",
            "{\"eventId\":\"http-bad-3\",\"direction\":\"exit\",\"plate\":\"\",\"timestamp\":\"2026-12-06T07:00:00Z\"}",
        ];
        foreach (var body in bodies)
        {
            using var response = await PostEventsAsync(host, body);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{Shorten(body)} -> {response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        using (var tooLarge = await PostEventsAsync(host, "[" + string.Join(',', Enumerable.Repeat(valid, 25)) + "]"))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        }
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM gates.events WHERE event_id LIKE 'http-%'"));

        using var accepted = await PostEventsAsync(host, valid);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var result = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0];
        Assert.Equal(("http-ok-1", "accepted"), (result.GetProperty("eventId").GetString(), result.GetProperty("status").GetString()));
        await host.Sink.WaitForGateEventsAsync("http-ok-1");
        Assert.Equal(GateEventDirectionOf("exit"), Assert.Single(host.Sink.GateEvents, e => e.EventId == "http-ok-1").Direction);
    }

    [Fact]
    public async Task Sink_FailsTwice_EventStaysPendingAndIsRetriedWithBackoff()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        var eventId = $"retry-{Guid.NewGuid():N}";
        host.Sink.FailuresLeft[eventId] = 2;
        await using var gate = await host.ConnectGateAsync(EntryGate);
        Task<bool> Attempted(int attempts) => db.ScalarAsync<bool>("SELECT attempts >= $2 FROM gates.events WHERE event_id = $1", eventId, attempts);

        Assert.Equal("ack", (await gate.ReportAsync(eventId, "entry", "RT1", GatewayHost.Start.AddMinutes(-1))).GetProperty("type").GetString());
        await db.WaitUntilAsync("SELECT attempts = 1 FROM gates.events WHERE event_id = $1", eventId);
        Assert.Empty(host.Sink.GateEvents);
        Assert.NotNull(await db.ScalarAsync<string>("SELECT last_error FROM gates.events WHERE event_id = $1", eventId));
        // The second attempt comes 1 s later, the third 2 s after that (small steps, so none is skipped).
        Assert.True(await db.ScalarAsync<bool>("SELECT next_attempt_at = $2 FROM gates.events WHERE event_id = $1", eventId, GatewayHost.Start + TimeSpan.FromSeconds(1)));

        await host.AdvanceUntilAsync(() => Attempted(2), TimeSpan.FromMilliseconds(250));
        Assert.Empty(host.Sink.GateEvents);
        await host.AdvanceUntilAsync(() => Task.FromResult(host.Sink.GateEvents.Any(e => e.EventId == eventId)), TimeSpan.FromMilliseconds(250));

        Assert.Single(host.Sink.GateEvents, e => e.EventId == eventId);
        Assert.Equal(2, host.Sink.FailedCalls);
    }

    [Fact]
    public async Task Restart_PendingEventRedeliveredByNewHost_AckedEventsNeitherLostNorRepeated()
    {
        var delivered = $"restart-a-{Guid.NewGuid():N}";
        var pending = $"restart-b-{Guid.NewGuid():N}";
        var firstSink = new RecordingSink();
        firstSink.FailuresLeft[pending] = int.MaxValue;
        await using (var first = await GatewayHost.StartAsync(db.ConnectionString, firstSink))
        {
            await using var gate = await first.ConnectGateAsync(ExitGate);
            Assert.Equal("ack", (await gate.ReportAsync(delivered, "exit", "RS1", GatewayHost.Start.AddMinutes(-2))).GetProperty("type").GetString());
            Assert.Equal("ack", (await gate.ReportAsync(pending, "exit", "RS2", GatewayHost.Start.AddMinutes(-1))).GetProperty("type").GetString());
            await first.Sink.WaitForGateEventsAsync(delivered);
            await db.WaitUntilAsync("SELECT attempts >= 1 FROM gates.events WHERE event_id = $1", pending);
        }
        Assert.Equal([delivered], firstSink.GateEvents.Select(e => e.EventId));

        // A new process on the same database: no controller reconnects, yet the pending event goes out.
        await using var second = await GatewayHost.StartAsync(db.ConnectionString, clock: new EasyParkPlus.TestSupport.VirtualTimeProvider(GatewayHost.Start.AddMinutes(5)));
        await second.Sink.WaitForGateEventsAsync(pending);
        await GateSocketTests.DeliveredAsync(db, [pending]);
        Assert.DoesNotContain(second.Sink.GateEvents, e => e.EventId == delivered);
        var redelivered = Assert.Single(second.Sink.GateEvents, e => e.EventId == pending);
        Assert.Equal((pending, "RS2", GatewayHost.Start.AddMinutes(-1)), (redelivered.EventId, redelivered.Plate, redelivered.Timestamp));
        // FOR UPDATE waits for the outbox's own transaction on the row, then re-checks the condition.
        Assert.Null(await db.ScalarAsync<string>(
            "SELECT event_id FROM gates.events WHERE event_id IN ($1, $2) AND delivered_at IS NULL FOR UPDATE", delivered, pending));
    }

    private static Devices.GateEventDirection GateEventDirectionOf(string direction) =>
        direction == "entry" ? Devices.GateEventDirection.Entry : Devices.GateEventDirection.Exit;

    private static async Task<HttpResponseMessage> PostEventsAsync(GatewayHost host, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"gates/{ExitGate}/events")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
            Headers = { Authorization = GatewayHost.Basic(ExitGate, GatePassword) },
        };
        // The gateway answers 413 from Content-Length without reading the body; waiting for its go-ahead keeps the client
        // from still sending a body the server will not read (which could reset the connection before the 413 is read).
        request.Headers.ExpectContinue = true;
        return await host.Http.SendAsync(request);
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
