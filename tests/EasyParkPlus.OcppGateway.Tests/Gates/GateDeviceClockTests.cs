using System.Net;
using System.Net.Http.Json;
using EasyParkPlus.Workflows.Parking;
using static EasyParkPlus.OcppGateway.Tests.GatewayDatabaseFixture;

namespace EasyParkPlus.OcppGateway.Tests.Gates;

// Issue 16, point 1, at the gateway: impossible device times are refused, implausible ones stored and flagged.
public sealed class GateDeviceClockTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    [Fact]
    public async Task VehicleDetected_YearOne_RefusedOnTheSocketAnd400OverHttpNothingStored()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var gate = await host.ConnectGateAsync(EntryGate);
        var socketId = NewId("year-one-ws");
        var httpId = NewId("year-one-http");

        await gate.SendAsync(new { type = "vehicleDetected", eventId = socketId, direction = "entry", plate = "OLD1", timestamp = "0001-01-01T00:00:00Z" });
        var reply = await gate.ReceiveAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"gates/{EntryGate}/events")
        {
            Content = JsonContent.Create(new { eventId = httpId, direction = "entry", plate = "OLD1", timestamp = "0001-01-01T00:00:00Z" }),
            Headers = { Authorization = GatewayHost.Basic(EntryGate, GatePassword) },
        };
        using var response = await host.Http.SendAsync(request);

        (reply.GetProperty("type").GetString(), reply.GetProperty("code").GetString()).Should().Be(("error", "invalidMessage"));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        (await db.ScalarAsync<long>("SELECT count(*) FROM gates.events WHERE event_id IN ($1, $2)", socketId, httpId)).Should().Be(0);
    }

    [Fact]
    public async Task VehicleDetected_ClockAYearBehindOrAnHourAhead_StoredFlaggedAndDeliveredWithItsArrival()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var gate = await host.ConnectGateAsync(EntryGate);
        var arrival = host.Clock.GetUtcNow();
        var cases = new (string EventId, DateTimeOffset DeviceTime, string? Flag)[]
        {
            (NewId("clock-year-behind"), arrival.AddDays(-365), DeviceClockFlag.Stale),
            (NewId("clock-hour-ahead"), arrival.AddHours(1), DeviceClockFlag.Ahead),
            (NewId("clock-buffered-2h"), arrival.AddHours(-2), null),
            (NewId("clock-drift-4min"), arrival.AddMinutes(4), null),
        };

        foreach (var (eventId, deviceTime, _) in cases)
        {
            (await gate.ReportAsync(eventId, "entry", "CLK1", deviceTime)).GetProperty("type").GetString().Should().Be("ack");
        }
        await host.Sink.WaitForGateEventsAsync([.. cases.Select(c => c.EventId)]);

        foreach (var (eventId, deviceTime, flag) in cases)
        {
            var row = (await db.RowsAsync("SELECT device_time, received_at, clock_flag FROM gates.events WHERE event_id = $1", eventId)).Single();
            (new DateTimeOffset((DateTime)row[0]!), new DateTimeOffset((DateTime)row[1]!), (string?)row[2]).Should().Be((deviceTime, arrival, flag), because: eventId);
            var delivered = host.Sink.GateEvents.Single(e => e.EventId == eventId);
            (delivered.Timestamp, delivered.ReceivedAt, delivered.ClockFlag).Should().Be((deviceTime, arrival, flag));
        }
    }
}
