using System.Net;
using System.Net.WebSockets;
using EasyParkPlus.TestSupport.Devices;
using static EasyParkPlus.OcppGateway.Tests.GatewayDatabaseFixture;

namespace EasyParkPlus.OcppGateway.Tests;

// Issue 16, point 8: the internal command API listens on its own socket, apart from the devices.
public sealed class InternalApiPortTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    [Fact]
    public async Task InternalCommand_OnTheDevicePort_IsNotFoundEvenWithTheKey_OnTheInternalPortItIsServed()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        host.InternalAddress.Port.Should().NotBe(host.Address.Port);

        // The right key on the devices' socket: the command API is simply not there (nor under a forged Host header).
        using var onDevicePort = host.InternalPost($"internal/v1/gates/{EntryGate}/open", new { sessionId = "s-port" });
        onDevicePort.RequestUri = new Uri(host.Address, $"internal/v1/gates/{EntryGate}/open");
        using (var response = await host.Http.SendAsync(onDevicePort))
        {
            response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        }
        using var forgedHost = host.InternalPost($"internal/v1/gates/{EntryGate}/open", new { sessionId = "s-port" });
        forgedHost.RequestUri = new Uri(host.Address, $"internal/v1/gates/{EntryGate}/open");
        forgedHost.Headers.Host = $"127.0.0.1:{host.InternalAddress.Port}";
        using (var response = await host.Http.SendAsync(forgedHost))
        {
            response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        }

        // On its own socket the command is served: the gate is not connected, hence 503 at once.
        using (var response = await host.Http.SendAsync(host.InternalPost($"internal/v1/gates/{EntryGate}/open", new { sessionId = "s-port" })))
        {
            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        }
        foreach (var address in new[] { host.Address, host.InternalAddress })
        {
            using var health = await host.Http.GetAsync(new Uri(address, "health/live"));
            health.StatusCode.Should().Be(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task GateController_OnTheInternalPort_IsRefused_OnTheDevicePortItConnects()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        var internalSocket = new Uri(host.InternalAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + $"gates/{EntryGate}");

        var refused = () => GateClient.ConnectAsync(internalSocket, EntryGate, GatePassword);

        (await refused.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("404");
        await using var gate = await host.ConnectGateAsync(EntryGate);
        gate.Socket.State.Should().Be(WebSocketState.Open);
    }

    // Issue 16, point 6: no fixed internal key in the code, in Development neither (`./easypark run` makes one per run).
    [Fact]
    public async Task Gateway_InDevelopmentWithoutAnInternalKey_RefusesToStart()
    {
        var start = () => GatewayHost.StartAsync(db.ConnectionString, environment: "Development",
            settings: new Dictionary<string, string?> { ["Gateway:InternalApiKey"] = "" });

        (await start.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).Which.Message.Should().Contain("InternalApiKey");
    }
}
