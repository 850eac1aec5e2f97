using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using EasyParkPlus.OcppGateway.Devices;
using static EasyParkPlus.OcppGateway.Tests.GatewayDatabaseFixture;

namespace EasyParkPlus.OcppGateway.Tests.Gates;

public sealed class GateSocketTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    [Fact]
    public async Task VehicleDetected_EntryThenExit_ReachSinkWithDeviceTimestampsAfterAck()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var entryGate = await host.ConnectGateAsync(EntryGate);
        await using var exitGate = await host.ConnectGateAsync(ExitGate);
        var entryId = NewId("in");
        var exitId = NewId("out");
        var entryTime = new DateTimeOffset(2026, 12, 6, 7, 15, 2, 250, TimeSpan.FromHours(-5));
        var exitTime = entryTime.AddHours(2).AddMinutes(7);

        var entryAck = await entryGate.ReportAsync(entryId, "entry", "abc-1234", entryTime, "cam://bos/in/1.jpg");
        var exitAck = await exitGate.ReportAsync(exitId, "exit", "ABC 1234", exitTime);

        Assert.Equal("ack", entryAck.GetProperty("type").GetString());
        Assert.Equal(entryId, entryAck.GetProperty("eventId").GetString());
        Assert.False(entryAck.GetProperty("duplicate").GetBoolean());
        Assert.Equal(exitId, exitAck.GetProperty("eventId").GetString());
        // Acked means persisted: the row exists before we look at the sink.
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM gates.events WHERE event_id = $1", entryId));

        await host.Sink.WaitForGateEventsAsync(entryId, exitId);
        var events = host.Sink.GateEvents;
        var entry = Assert.Single(events, e => e.EventId == entryId);
        Assert.Equal((EntryGate, "BOS", GateEventDirection.Entry, "ABC1234", "cam://bos/in/1.jpg"),
            (entry.GateId, entry.FacilityId, entry.Direction, entry.Plate, entry.PhotoRef));
        Assert.Equal(entryTime, entry.Timestamp);
        Assert.Equal(TimeSpan.Zero, entry.Timestamp.Offset);
        var exit = Assert.Single(events, e => e.EventId == exitId);
        Assert.Equal((ExitGate, "BOS", GateEventDirection.Exit, "ABC1234", (string?)null),
            (exit.GateId, exit.FacilityId, exit.Direction, exit.Plate, exit.PhotoRef));
        Assert.Equal(exitTime, exit.Timestamp);
        await db.WaitUntilAsync("SELECT bool_and(delivered_at IS NOT NULL AND attempts = 1) FROM gates.events WHERE event_id IN ($1, $2)", entryId, exitId);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM gates.events WHERE event_id IN ($1, $2) AND delivered_at IS NULL", entryId, exitId));
    }

    [Fact]
    public async Task OfflineBuffer_ReplayedOverSocketAndHttp_AckedAgainButDeliveredOnce()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        var buffered = Enumerable.Range(1, 3)
            .Select(i => (Id: NewId($"buf{i}"), Time: GatewayHost.Start.AddMinutes(-30 + i)))
            .ToArray();

        // The controller sends its buffer, loses the connection before it could drop the events,
        // reconnects and sends the whole buffer again; then it flushes the same buffer over HTTP.
        await using (var first = await host.ConnectGateAsync(EntryGate))
        {
            foreach (var (id, time) in buffered)
            {
                Assert.False((await first.ReportAsync(id, "entry", "PA 77 XY", time)).GetProperty("duplicate").GetBoolean());
            }
        }
        await using (var second = await host.ConnectGateAsync(EntryGate))
        {
            foreach (var (id, time) in buffered)
            {
                var ack = await second.ReportAsync(id, "entry", "PA 77 XY", time);
                Assert.Equal(id, ack.GetProperty("eventId").GetString());
                Assert.True(ack.GetProperty("duplicate").GetBoolean());
            }
        }
        var fresh = NewId("buf4");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"gates/{EntryGate}/events")
        {
            Content = JsonContent.Create(buffered.Select(b => new { b.Id, Time = b.Time }).Select(b =>
                    new { eventId = b.Id, direction = "entry", plate = "PA77XY", timestamp = b.Time.ToString("O") })
                .Append(new { eventId = fresh, direction = "entry", plate = "PA77XY", timestamp = GatewayHost.Start.ToString("O") })),
            Headers = { Authorization = GatewayHost.Basic(EntryGate, GatePassword) },
        };
        using var response = await host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray()
            .Select(r => (r.GetProperty("eventId").GetString(), r.GetProperty("status").GetString())).ToArray();
        Assert.Equal([.. buffered.Select(b => ((string?)b.Id, (string?)"duplicate")), (fresh, "accepted")], results);

        await host.Sink.WaitForGateEventsAsync([.. buffered.Select(b => b.Id), fresh]);
        // All delivered, so nothing more can reach the sink; it saw each event id exactly once.
        await DeliveredAsync(db, [.. buffered.Select(b => b.Id), fresh]);
        string[] ours = [.. buffered.Select(b => b.Id), fresh];
        var delivered = host.Sink.GateEvents.Select(e => e.EventId).Where(ours.Contains).ToArray();
        Assert.Equal(ours, delivered);
        Assert.Equal(4L, await db.ScalarAsync<long>("SELECT count(*) FROM gates.events WHERE event_id = ANY($1)",
            (object)delivered));
    }

    [Fact]
    public async Task OpenBarrier_ControllerAcks_CallerGets200AndCommandIsRecorded()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var gate = await host.ConnectGateAsync(ExitGate);

        using var request = host.InternalPost($"internal/v1/gates/{ExitGate}/open", new { sessionId = "session-42", message = "Drive safely" });
        var call = host.Http.SendAsync(request);
        var command = await gate.ReceiveAsync();
        Assert.Equal("openBarrier", command.GetProperty("type").GetString());
        Assert.Equal("session-42", command.GetProperty("sessionId").GetString());
        Assert.Equal("Drive safely", command.GetProperty("message").GetString());
        var commandId = command.GetProperty("commandId").GetString();
        await gate.SendAsync(new { type = "ack", commandId });

        using var response = await call;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("acknowledged").GetBoolean());
        Assert.Equal("acknowledged", await db.ScalarAsync<string>("SELECT status FROM gates.commands WHERE id = $1", Guid.Parse(commandId!)));

        using var show = host.InternalPost($"internal/v1/gates/{ExitGate}/message", new { text = "Pay at the booth" });
        var showCall = host.Http.SendAsync(show);
        var message = await gate.ReceiveAsync();
        Assert.Equal(("showMessage", "Pay at the booth"), (message.GetProperty("type").GetString(), message.GetProperty("text").GetString()));
        Assert.False(message.TryGetProperty("sessionId", out _));
        await gate.SendAsync(new { type = "ack", commandId = message.GetProperty("commandId").GetString(), status = "rejected", reason = "display broken" });
        using var rejected = await showCall;
        Assert.Equal(HttpStatusCode.Conflict, rejected.StatusCode);
        Assert.Contains("display broken", await rejected.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenBarrier_NoAckWithinTimeout_Returns504()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var gate = await host.ConnectGateAsync(EntryGate);

        using var request = host.InternalPost($"internal/v1/gates/{EntryGate}/open", new { sessionId = "session-timeout" });
        var call = host.Http.SendAsync(request);
        var command = await gate.ReceiveAsync();
        Assert.False(call.IsCompleted);
        host.Clock.Advance(TimeSpan.FromSeconds(10));

        using var response = await call;
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var commandId = command.GetProperty("commandId").GetString();
        Assert.Equal("timedOut", await db.ScalarAsync<string>("SELECT status FROM gates.commands WHERE id = $1", Guid.Parse(commandId!)));

        // A late ack is answered with an error, and the connection keeps working.
        await gate.SendAsync(new { type = "ack", commandId });
        Assert.Equal("unknownCommand", (await gate.ReceiveAsync()).GetProperty("code").GetString());
        Assert.Equal("ack", (await gate.ReportAsync(NewId("late"), "entry", "LATE1", GatewayHost.Start)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Commands_GateOfflineUnknownOrInvalid_ProblemDetailsAtOnce()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);

        using var offline = await host.Http.SendAsync(host.InternalPost("internal/v1/gates/PHL-GATE-OUT-01/open", new { sessionId = "s1" }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, offline.StatusCode);
        Assert.Equal("application/problem+json", offline.Content.Headers.ContentType?.MediaType);
        Assert.Equal(GatewayHost.Start, host.Clock.GetUtcNow());

        using var noKey = await host.Http.PostAsJsonAsync(new Uri(host.InternalAddress, $"internal/v1/gates/{EntryGate}/open"), new { sessionId = "s1" });
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);

        using var unknown = await host.Http.SendAsync(host.InternalPost("internal/v1/gates/NOPE-GATE-9/open", new { sessionId = "s1" }));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        foreach (var (path, body) in new (string, object)[]
        {
            ("open", new { message = "no session" }),
            ("open", new { sessionId = "bad id with spaces" }),
            ("open", new { sessionId = "s1", message = new string('x', 201) }),
            ("message", new { text = "" }),
            ("message", new { text = "line\nbreak" }),
            ("message", new { }),
        })
        {
            using var invalid = await host.Http.SendAsync(host.InternalPost($"internal/v1/gates/{EntryGate}/{path}", body));
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        }
        using var malformed = new HttpRequestMessage(HttpMethod.Post, new Uri(host.InternalAddress, $"internal/v1/gates/{EntryGate}/open"))
        {
            Content = new StringContent("{\"sessionId\": ", System.Text.Encoding.UTF8, "application/json"),
            Headers = { { "X-EasyPark-Internal-Key", GatewayHost.InternalKey } },
        };
        using var malformedResponse = await host.Http.SendAsync(malformed);
        Assert.Equal(HttpStatusCode.BadRequest, malformedResponse.StatusCode);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM gates.commands WHERE gate_id = $1 AND session_id = 's1'", EntryGate));
    }

    [Fact]
    public async Task Reconnect_NewSocketReplacesOld_CommandsGoToTheNewOne()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var stale = await host.ConnectGateAsync(ExitGate);
        await using var fresh = await host.ConnectGateAsync(ExitGate);

        // The gateway closes the socket the controller has abandoned.
        var buffer = new byte[256];
        var closing = await stale.Socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Close, closing.MessageType);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, stale.Socket.CloseStatus);

        using var request = host.InternalPost($"internal/v1/gates/{ExitGate}/message", new { text = "Welcome back" });
        var call = host.Http.SendAsync(request);
        var message = await fresh.ReceiveAsync();
        await fresh.SendAsync(new { type = "ack", commandId = message.GetProperty("commandId").GetString() });
        using var response = await call;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(EntryGate, "wrong-password")]
    [InlineData("BOS-GATE-IN-99", GatePassword)]
    [InlineData(ExitGate, GatePassword)] // the user name must be the gate in the URL
    public async Task Connect_UnknownGateOrWrongCredentials_RefusedBeforeUpgrade(string user, string password)
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", GatewayHost.Basic(user, password).ToString());
        var gateInUrl = user == ExitGate ? EntryGate : user;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(host.GateSocketUri(gateInUrl), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
        Assert.Contains("Basic", socket.HttpResponseHeaders?["WWW-Authenticate"].Single() ?? "", StringComparison.Ordinal);
        using var noCredentials = new ClientWebSocket();
        noCredentials.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => noCredentials.ConnectAsync(host.GateSocketUri(gateInUrl), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, noCredentials.HttpStatusCode);

        using var post = new HttpRequestMessage(HttpMethod.Post, $"gates/{gateInUrl}/events")
        {
            Content = JsonContent.Create(new { eventId = "e1", direction = "entry", plate = "X1", timestamp = "2026-12-06T07:00:00Z" }),
            Headers = { Authorization = GatewayHost.Basic(user, password) },
        };
        using var refused = await host.Http.SendAsync(post);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM gates.events WHERE event_id = 'e1'"));
    }

    // Waits until the outbox marked every one of these events delivered.
    internal static Task DeliveredAsync(GatewayDatabaseFixture db, string[] eventIds) => db.WaitUntilAsync(
        "SELECT NOT EXISTS (SELECT 1 FROM gates.events WHERE event_id = ANY($1) AND delivered_at IS NULL)", (object)eventIds);
}
