using EasyParkPlus.OcppGateway.Devices;
using System.Text;
using EasyParkPlus.OcppGateway.Gates;
using EasyParkPlus.Workflows.Parking;

namespace EasyParkPlus.OcppGateway.Tests.Gates;

public sealed class GateProtocolTests
{
    private static GateProtocol.Inbound Parse(string json) => GateProtocol.ParseInbound(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void ParseInbound_ValidEvent_NormalisesPlateAndConvertsDeviceTimeToUtc()
    {
        var parsed = Parse("""
            {"type":"vehicleDetected","eventId":"BOS-GATE-IN-01:000123","direction":"exit","plate":" pa-77.xy ",
             "timestamp":"2026-12-06T03:15:02.25-05:00","photoRef":"s3://cams/1.jpg","firmware":"ignored"}
            """);

        var e = Assert.IsType<GateProtocol.VehicleDetected>(parsed).Event;
        Assert.Equal(new GateEventInput("BOS-GATE-IN-01:000123", GateDirection.Exit, "PA77XY",
            new DateTimeOffset(2026, 12, 6, 8, 15, 2, 250, TimeSpan.Zero), "s3://cams/1.jpg"), e);
        Assert.Equal(TimeSpan.Zero, e.Timestamp.Offset);
    }

    [Theory]
    [InlineData("""{"type":"ack","commandId":"c1"}""", true, null)]
    [InlineData("""{"type":"ack","commandId":"c1","status":"accepted"}""", true, null)]
    [InlineData("""{"type":"ack","commandId":"c1","status":"rejected","reason":"blocked"}""", false, "blocked")]
    public void ParseInbound_Ack_ReadsStatusAndReason(string json, bool accepted, string? reason)
    {
        var ack = Assert.IsType<GateProtocol.CommandAcknowledged>(Parse(json)).Ack;
        Assert.Equal(new GateCommandAck("c1", accepted, reason), ack);
    }

    // Issue 16, point 1: a time no controller clock can hold is refused; a wrong clock's time is stored and judged later.
    [Theory]
    [InlineData("0001-01-01T00:00:00Z", false)]
    [InlineData("1999-12-31T23:59:59Z", false)]
    [InlineData("2000-01-01T00:00:00Z", true)]
    [InlineData("2016-03-01T08:00:00Z", true)]
    [InlineData("2031-01-01T00:00:00Z", true)]
    [InlineData("2099-12-31T23:59:59Z", true)]
    [InlineData("2100-01-01T00:00:00Z", false)]
    [InlineData("9999-12-31T23:59:59Z", false)]
    public void ParseInbound_DeviceTime_RefusedOnlyOutsideWhatAClockCanHold(string timestamp, bool accepted)
    {
        var parsed = Parse($$"""{"type":"vehicleDetected","eventId":"e1","direction":"entry","plate":"A1","timestamp":"{{timestamp}}"}""");

        (parsed is GateProtocol.VehicleDetected).Should().Be(accepted);
        if (!accepted)
        {
            parsed.Should().BeOfType<GateProtocol.Refused>().Which.Error.Message.Should().Contain("timestamp");
        }
    }

    [Theory]
    [InlineData(-4, null)]
    [InlineData(6, DeviceClockFlag.Ahead)]
    [InlineData(-60 * 71, null)]
    [InlineData(-60 * 73, DeviceClockFlag.Stale)]
    [InlineData(-60 * 24 * 365, DeviceClockFlag.Stale)]
    public void Judge_DeviceTimeAgainstArrival_FlagsAheadBeyondFiveMinutesAndOlderThanTheBufferHorizon(int minutes, string? flag)
    {
        var arrival = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
        var options = new GateOptions();

        var judged = DeviceClockFlag.Judge(arrival.AddMinutes(minutes), arrival, options.DeviceClockAheadTolerance, options.OfflineBufferHorizon);

        judged?.Reason.Should().Be(flag);
        (judged is null).Should().Be(flag is null);
    }

    [Fact]
    public void ParseInbound_InvalidEventWithReadableId_EchoesEventId()
    {
        var refused = Assert.IsType<GateProtocol.Refused>(Parse("""{"type":"vehicleDetected","eventId":"e9","direction":"in","plate":"A1","timestamp":"2026-12-06T07:00:00Z"}"""));
        Assert.Equal((GateErrorCodes.InvalidMessage, "e9"), (refused.Error.Code, refused.Error.EventId));
        Assert.Contains("direction", refused.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_OpenBarrierWithoutMessage_OmitsNullAndPutsTypeFirst()
    {
        var json = Encoding.UTF8.GetString(GateProtocol.Serialize(new OpenBarrierMessage("c1", "s1", null)));
        Assert.Equal("""{"type":"openBarrier","commandId":"c1","sessionId":"s1"}""", json);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(5, 16)]
    [InlineData(12, 300)]
    [InlineData(1000, 300)]
    public void Backoff_DoublesUpToTheMaximum(int attempt, int expectedSeconds)
    {
        var delay = DeviceEventOutbox.Backoff(attempt, new OutboxOptions());
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
    }

    [Theory]
    [InlineData("Basic Qk9TLUdBVEUtSU4tMDE6cHc6d2l0aDpjb2xvbnM=", true, "BOS-GATE-IN-01", "pw:with:colons")]
    [InlineData("Bearer abc", false, "", "")]
    [InlineData("Basic !!!notbase64", false, "", "")]
    [InlineData("Basic bm9jb2xvbg==", false, "", "")]
    [InlineData("", false, "", "")]
    public void TryReadBasic_ParsesOnlyWellFormedHeaders(string header, bool ok, string user, string password)
    {
        Assert.Equal(ok, GateAuthenticator.TryReadBasic(header, out var u, out var p));
        Assert.Equal((user, password), (u, p));
    }
}
