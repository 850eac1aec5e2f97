using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static EasyParkPlus.OcppGateway.Tests.GatewayDatabaseFixture;

namespace EasyParkPlus.OcppGateway.Tests.Gates;

// Two gateway instances on one database, as behind a load balancer.
public sealed class GateClusterTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    [Fact]
    public async Task OpenBarrier_GateHeldByOtherInstance_ForwardedThereAndAcked()
    {
        await using var holder = await GatewayHost.StartAsync(db.ConnectionString);
        await using var other = await GatewayHost.StartAsync(db.ConnectionString);
        await using var gate = await holder.ConnectGateAsync(EntryGate);
        Assert.Equal(holder.InternalAddress.ToString(), await db.ScalarAsync<string>("SELECT internal_url FROM gateway.device_owners WHERE kind = 'gate' AND device_id = $1", EntryGate));

        using var request = other.InternalPost($"internal/v1/gates/{EntryGate}/open", new { sessionId = "session-fwd" });
        var call = other.Http.SendAsync(request);
        var command = await gate.ReceiveAsync();
        Assert.Equal(("openBarrier", "session-fwd"), (command.GetProperty("type").GetString(), command.GetProperty("sessionId").GetString()));
        await gate.SendAsync(new { type = "ack", commandId = command.GetProperty("commandId").GetString() });

        using var response = await call;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("acknowledged").GetBoolean());

        // Once the controller hangs up, the claim is gone and both instances answer 503 at once.
        await gate.CloseAsync();
        await WaitForNoOwnerAsync();
        using var offline = await other.Http.SendAsync(other.InternalPost($"internal/v1/gates/{EntryGate}/message", new { text = "Hello" }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, offline.StatusCode);
    }

    [Fact]
    public async Task Command_OwnerInstanceGone_503NotAHang()
    {
        await using var other = await GatewayHost.StartAsync(db.ConnectionString);
        // A claim left by an instance that died without cleaning up, pointing at a closed port.
        await db.ScalarAsync<int>("""
            INSERT INTO gateway.device_owners (kind, device_id, instance_id, internal_url, claimed_at) VALUES ('gate', $1, 'dead-instance', 'http://127.0.0.1:9/', now())
            ON CONFLICT (kind, device_id) DO UPDATE SET instance_id = excluded.instance_id, internal_url = excluded.internal_url
            """, ExitGate);

        using var response = await other.Http.SendAsync(other.InternalPost($"internal/v1/gates/{ExitGate}/open", new { sessionId = "s-dead" }));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    // The server releases the claim just after the close handshake completes on our side; a
    // bounded re-read of one row covers that gap without any clock or sleep.
    private async Task WaitForNoOwnerAsync()
    {
        for (var i = 0; i < 500; i++)
        {
            if (await db.ScalarAsync<string>("SELECT device_id FROM gateway.device_owners WHERE kind = 'gate' AND device_id = $1", EntryGate) is null)
            {
                return;
            }
        }
        Assert.Fail("The gate's ownership claim was not released after it disconnected.");
    }
}
