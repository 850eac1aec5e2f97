using System.Net;
using System.Net.Sockets;
using EasyParkPlus.Activities.Gateway;
using EasyParkPlus.OcppGateway.Tests.Ocpp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace EasyParkPlus.OcppGateway.Tests;

// The activities' GatewayClient against the real gateway process (Kestrel on a real port, real PostgreSQL),
// with a gate controller on a real WebSocket: acknowledged commands succeed, and every failure maps to the
// exception type that tells the activity whether to retry.
public sealed class GatewayClientTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    [Fact]
    public async Task OpenGateAndMessage_ControllerAcks_Complete_ControllerRejects_GatewayRejectedException()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var gate = await host.ConnectGateAsync(GatewayDatabaseFixture.ExitGate);
        using var provider = ClientServices(host.InternalAddress, GatewayHost.InternalKey);
        var client = provider.GetRequiredService<IGatewayClient>();

        var open = client.OpenGateAsync(GatewayDatabaseFixture.ExitGate, "session-client-1", "Goodbye", CancellationToken.None);
        var command = await gate.ReceiveAsync();
        Assert.Equal(("openBarrier", "session-client-1", "Goodbye"),
            (command.GetProperty("type").GetString(), command.GetProperty("sessionId").GetString(), command.GetProperty("message").GetString()));
        await gate.SendAsync(new { type = "ack", commandId = command.GetProperty("commandId").GetString() });
        await open;

        // A null message is omitted on the wire, not sent as null.
        var openNoMessage = client.OpenGateAsync(GatewayDatabaseFixture.ExitGate, "session-client-2", null, CancellationToken.None);
        var second = await gate.ReceiveAsync();
        Assert.False(second.TryGetProperty("message", out _));
        await gate.SendAsync(new { type = "ack", commandId = second.GetProperty("commandId").GetString() });
        await openNoMessage;

        var show = client.ShowGateMessageAsync(GatewayDatabaseFixture.ExitGate, "Pay at the booth", CancellationToken.None);
        var message = await gate.ReceiveAsync();
        await gate.SendAsync(new { type = "ack", commandId = message.GetProperty("commandId").GetString(), status = "rejected", reason = "display broken" });
        var rejected = await Assert.ThrowsAsync<GatewayRejectedException>(() => show);
        Assert.Contains("409", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("display broken", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_OfflineAndTimeoutAreRetryable_UnknownDeviceBadKeyAndInvalidInputAreNot()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        using var provider = ClientServices(host.InternalAddress, GatewayHost.InternalKey);
        var client = provider.GetRequiredService<IGatewayClient>();

        // Offline gate: 503 at once (the virtual clock did not move), retryable.
        var offline = await Assert.ThrowsAsync<GatewayUnavailableException>(
            () => client.OpenGateAsync("PHL-GATE-OUT-01", "s1", null, CancellationToken.None));
        Assert.Contains("503", offline.Message, StringComparison.Ordinal);
        Assert.Equal(GatewayHost.Start, host.Clock.GetUtcNow());

        // Connected gate that never answers: the gateway's 504 after its command timeout, retryable.
        await using (var silent = await host.ConnectGateAsync(GatewayDatabaseFixture.EntryGate))
        {
            var call = client.OpenGateAsync(GatewayDatabaseFixture.EntryGate, "s2", null, CancellationToken.None);
            await silent.ReceiveAsync();
            host.Clock.Advance(TimeSpan.FromSeconds(10));
            var timedOut = await Assert.ThrowsAsync<GatewayUnavailableException>(() => call);
            Assert.Contains("504", timedOut.Message, StringComparison.Ordinal);
        }

        var unknown = await Assert.ThrowsAsync<GatewayRejectedException>(
            () => client.OpenGateAsync("NOPE-GATE-9", "s3", null, CancellationToken.None));
        Assert.Contains("404", unknown.Message, StringComparison.Ordinal);

        var invalid = await Assert.ThrowsAsync<GatewayRejectedException>(
            () => client.OpenGateAsync(GatewayDatabaseFixture.EntryGate, "bad id with spaces", null, CancellationToken.None));
        Assert.Contains("400", invalid.Message, StringComparison.Ordinal);

        using var wrongKeyProvider = ClientServices(host.InternalAddress, "not-the-right-key-0000");
        var badKey = await Assert.ThrowsAsync<GatewayRejectedException>(
            () => wrongKeyProvider.GetRequiredService<IGatewayClient>().ShowGateMessageAsync(GatewayDatabaseFixture.EntryGate, "hi", CancellationToken.None));
        Assert.Contains("401", badKey.Message, StringComparison.Ordinal);
    }

    // What the charging activities copy next to a session: the gateway's stored TransactionEvents through its internal API.
    [Fact]
    public async Task ReadTransactionEventsAsync_StationReportedEventsOutOfOrder_ReturnsEachOnceInSeqNoOrder_InvalidIdRejected()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var station = await host.ConnectAsync(GatewayDatabaseFixture.Station1);
        using var provider = ClientServices(host.InternalAddress, GatewayHost.InternalKey);
        var client = provider.GetRequiredService<IGatewayClient>();
        var t0 = GatewayHost.Start.AddMinutes(-30);
        var tx = $"tx-{Guid.NewGuid():N}"[..20];

        // seqNo 1 arrives last, replayed from the station's offline queue, and then once more.
        await station.ResultAsync("TransactionEvent", OcppTransactionTests.Event("Started", 0, tx, t0, "Authorized", "Charging", 1000m, evse: new { id = 1, connectorId = 1 }));
        await station.ResultAsync("TransactionEvent", OcppTransactionTests.Event("Ended", 2, tx, t0.AddMinutes(45), "EVDeparted", "Idle", 12_600m, stoppedReason: "EVDisconnected"));
        var offline = OcppTransactionTests.Event("Updated", 1, tx, t0.AddMinutes(20), "ChargingStateChanged", "SuspendedEV", null, offline: true);
        await station.ResultAsync("TransactionEvent", offline);
        await station.ResultAsync("TransactionEvent", offline);

        var events = await client.ReadTransactionEventsAsync(GatewayDatabaseFixture.Station1, tx, CancellationToken.None);

        events.Select(e => (e.SeqNo, e.DeviceTime, e.EnergyWh, e.ChargingState)).Should().Equal(
            (0, t0, 1000L, "Charging"), (1, t0.AddMinutes(20), (long?)null, "SuspendedEV"), (2, t0.AddMinutes(45), 12_600L, "Idle"));
        events.Should().OnlyContain(e => e.ReceivedAt == GatewayHost.Start, "the gateway's clock when each arrived");
        (await client.ReadTransactionEventsAsync(GatewayDatabaseFixture.Station2, tx, CancellationToken.None)).Should().BeEmpty("the transaction id is the other station's");
        var invalid = () => client.ReadTransactionEventsAsync(GatewayDatabaseFixture.Station1, new string('x', 65), CancellationToken.None);
        (await invalid.Should().ThrowAsync<GatewayRejectedException>()).Which.Message.Should().Contain("400");
    }

    [Fact]
    public async Task GatewayUnreachable_GatewayUnavailableException()
    {
        // A port nobody listens on: connection refused.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var provider = ClientServices(new Uri($"http://127.0.0.1:{port}/"), GatewayHost.InternalKey);

        var error = await Assert.ThrowsAsync<GatewayUnavailableException>(
            () => provider.GetRequiredService<IGatewayClient>().ReleasePowerAsync("BOS", "s1", CancellationToken.None));
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public void Options_KeyShorterThan16_FailValidation()
    {
        using var provider = ClientServices(new Uri("http://127.0.0.1:1/"), "short");
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<IGatewayClient>());
        Assert.Contains("InternalApiKey", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider ClientServices(Uri gateway, string key)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:BaseUrl"] = gateway.ToString(),
            ["Gateway:InternalApiKey"] = key,
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.AddGatewayClient();
        return services.BuildServiceProvider();
    }
}
