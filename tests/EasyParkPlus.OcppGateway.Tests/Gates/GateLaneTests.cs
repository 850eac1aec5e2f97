using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using EasyParkPlus.OcppGateway.Gates;
using Npgsql;
using static EasyParkPlus.OcppGateway.Tests.GatewayDatabaseFixture;

namespace EasyParkPlus.OcppGateway.Tests.Gates;

// Issue 16, point 2: a gate reports only the directions of its lane.
public sealed class GateLaneTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    private const string BothWaysGate = "BOS-GATE-BOTH-01";

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    [Fact]
    public async Task VehicleDetected_ExitAtAnEntryOnlyGate_RefusedWithWrongDirectionNothingStored()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var gate = await host.ConnectGateAsync(EntryGate);
        var eventId = NewId("lane-exit");

        var reply = await gate.ReportAsync(eventId, "exit", "LANE1", GatewayHost.Start);

        reply.GetProperty("type").GetString().Should().Be("error");
        reply.GetProperty("code").GetString().Should().Be("wrongDirection");
        reply.GetProperty("eventId").GetString().Should().Be(eventId);
        gate.Socket.State.Should().Be(WebSocketState.Open);
        (await db.ScalarAsync<long>("SELECT count(*) FROM gates.events WHERE event_id = $1", eventId)).Should().Be(0);
        // The same controller's entries still go through.
        (await gate.ReportAsync(NewId("lane-entry"), "entry", "LANE1", GatewayHost.Start)).GetProperty("type").GetString().Should().Be("ack");
    }

    [Fact]
    public async Task PostEvents_EntryInAnExitOnlyGatesBatch_400NamingItAndNoneStored()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        var good = NewId("lane-http-exit");
        var bad = NewId("lane-http-entry");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"gates/{ExitGate}/events")
        {
            Content = JsonContent.Create(new[]
            {
                new { eventId = good, direction = "exit", plate = "LANE2", timestamp = GatewayHost.Start.ToString("O") },
                new { eventId = bad, direction = "entry", plate = "LANE2", timestamp = GatewayHost.Start.ToString("O") },
            }),
            Headers = { Authorization = GatewayHost.Basic(ExitGate, GatePassword) },
        };

        using var response = await host.Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty("[1]")[0].GetString().Should().Contain("exit lane");
        (await db.ScalarAsync<long>("SELECT count(*) FROM gates.events WHERE event_id IN ($1, $2)", good, bad)).Should().Be(0);
    }

    [Fact]
    public async Task VehicleDetected_AtALaneConfiguredForBoth_EntryAndExitAccepted()
    {
        await using (var dataSource = NpgsqlDataSource.Create(db.ConnectionString))
        {
            await new GateStore(dataSource).EnsureGateAsync(BothWaysGate, "BOS", "both", GateAuthenticator.HashSecret(BothWaysGate, GatePassword),
                "single-lane barrier", CancellationToken.None);
        }
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var gate = await host.ConnectGateAsync(BothWaysGate);

        foreach (var direction in new[] { "entry", "exit" })
        {
            var reply = await gate.ReportAsync(NewId($"both-{direction}"), direction, "LANE3", GatewayHost.Start);
            reply.GetProperty("type").GetString().Should().Be("ack", because: $"a both-ways lane reports {direction}s ({reply})");
        }
    }
}
