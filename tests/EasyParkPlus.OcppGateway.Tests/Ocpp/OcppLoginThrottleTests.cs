using System.Net.WebSockets;

namespace EasyParkPlus.OcppGateway.Tests.Ocpp;

// Issue 16, point 5: a station id guessed at 10 times in 15 minutes is refused with 429 before the upgrade, even with the
// right password, until the window has passed.
public sealed class OcppLoginThrottleTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    [Fact]
    public async Task StationConnect_TenWrongPasswords_UpgradeRefused429UntilTheWindowPasses()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        var stationId = GatewayDatabaseFixture.Station2;
        for (var i = 0; i < 10; i++)
        {
            var wrong = () => host.ConnectAsync(stationId, $"wrong-password-{i}");
            (await wrong.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("401");
        }

        var right = () => host.ConnectAsync(stationId);
        (await right.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("429");

        host.Clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        await using var station = await host.ConnectAsync(stationId);
        station.Socket.State.Should().Be(WebSocketState.Open);
    }
}
