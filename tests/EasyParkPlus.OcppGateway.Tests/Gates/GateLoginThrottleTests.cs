using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using EasyParkPlus.TestSupport;
using static EasyParkPlus.OcppGateway.Tests.GatewayDatabaseFixture;

namespace EasyParkPlus.OcppGateway.Tests.Gates;

// Issue 16, point 5: failed gate logins are throttled per gate id and per client address (10 in 15 minutes), before any
// password is hashed, with 429 and Retry-After, the WebSocket upgrade refused, and the lock ending on its own.
public sealed class GateLoginThrottleTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    private static HttpClient ClientFrom(string address, Uri baseAddress) => LoopbackClients.Client(address, baseAddress);

    private static Task<HttpResponseMessage> PostEventAsync(HttpClient client, string gateId, string password) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"gates/{gateId}/events")
        {
            Content = JsonContent.Create(new
            {
                eventId = $"thr-{Guid.NewGuid():N}",
                direction = gateId.Contains("-IN-", StringComparison.Ordinal) ? "entry" : "exit",
                plate = "THR1",
                timestamp = GatewayHost.Start.ToString("O")
            }),
            Headers = { Authorization = GatewayHost.Basic(gateId, password) },
        });

    [Fact]
    public async Task GateLogin_TenWrongPasswords_LockTheGateIdAndTheAddressWith429UntilTheWindowPasses()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        using var gate = ClientFrom("127.0.0.1", host.Address);
        using var attacker = ClientFrom("127.0.0.2", host.Address);
        using var elsewhere = ClientFrom("127.0.0.3", host.Address);
        // The controller's own address has logged in before.
        (await PostEventAsync(gate, EntryGate, GatePassword)).StatusCode.Should().Be(HttpStatusCode.OK);

        for (var i = 0; i < 10; i++)
        {
            (await PostEventAsync(attacker, EntryGate, $"guess-{i}")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        // The right password from the attacker's address, or from a new one, waits; the known controller goes on.
        using (var locked = await PostEventAsync(attacker, EntryGate, GatePassword))
        {
            locked.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
            locked.Headers.RetryAfter!.Delta.Should().BeCloseTo(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(1));
            locked.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        }
        (await PostEventAsync(elsewhere, EntryGate, GatePassword)).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await PostEventAsync(attacker, ExitGate, GatePassword)).StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "the address is locked for every gate id");
        (await PostEventAsync(gate, EntryGate, GatePassword)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await PostEventAsync(elsewhere, ExitGate, GatePassword)).StatusCode.Should().Be(HttpStatusCode.OK);

        // The WebSocket upgrade is refused the same way.
        using var upgrade = new ClientWebSocket();
        upgrade.Options.SetRequestHeader("Authorization", GatewayHost.Basic(EntryGate, GatePassword).ToString());
        using var invoker = new HttpMessageInvoker(LoopbackClients.From("127.0.0.2"));
        var connect = () => upgrade.ConnectAsync(host.GateSocketUri(EntryGate), invoker, CancellationToken.None);
        (await connect.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("429");

        // Fifteen minutes after the failures the lock has ended on its own.
        host.Clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        (await PostEventAsync(attacker, EntryGate, GatePassword)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await PostEventAsync(elsewhere, EntryGate, GatePassword)).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
