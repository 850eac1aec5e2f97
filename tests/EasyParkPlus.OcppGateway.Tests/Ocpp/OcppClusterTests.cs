using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EasyParkPlus.OcppGateway.Tests.Ocpp;

// Two gateway instances on one database: a command sent to the instance that does not hold the station's
// socket is forwarded to the one that does (gateway.device_owners); once the station leaves, both answer 503.
public sealed class OcppClusterTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    [Fact]
    public async Task CommandOnTheOtherInstance_IsForwardedToTheOwner_OfflineEverywhereAfterDisconnect()
    {
        await using var owner = await GatewayHost.StartAsync(db.ConnectionString);
        await using var other = await GatewayHost.StartAsync(db.ConnectionString);
        var stationId = GatewayDatabaseFixture.Station2;
        var station = await owner.ConnectAsync(stationId);
        Assert.Equal(owner.InternalAddress.Port, new Uri((await db.ScalarAsync<string>("SELECT internal_url FROM gateway.device_owners WHERE kind = 'station' AND device_id = $1", stationId))!).Port);

        var start = other.Http.SendAsync(other.InternalPost($"internal/v1/stations/{stationId}/start-transaction", new { evseId = 1, idToken = "cust-9", remoteStartId = 42 }));
        var call = await station.ReceiveAsync();
        Assert.Equal(("RequestStartTransaction", 42), (call[2].GetString(), call[3].GetProperty("remoteStartId").GetInt32()));
        await station.AnswerAsync(call[1].GetString()!, new { status = "Rejected" });
        using (var response = await start)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Rejected", body.GetProperty("status").GetString());
            Assert.False(body.TryGetProperty("transactionId", out _));
        }

        await station.DisposeAsync();
        // The owner removes its claim when the socket closes; wait for that row to go (bounded).
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await db.ScalarAsync<string>("SELECT instance_id FROM gateway.device_owners WHERE kind = 'station' AND device_id = $1", stationId) is not null)
        {
            await Task.Delay(20, limit.Token);
        }
        foreach (var host in new[] { owner, other })
        {
            using var offline = await host.Http.SendAsync(host.InternalPost($"internal/v1/stations/{stationId}/stop-transaction", new { transactionId = "t-1" }));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, offline.StatusCode);
        }
    }
}
