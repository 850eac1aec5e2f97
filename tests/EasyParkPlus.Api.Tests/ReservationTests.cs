using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.TestSupport.Devices;

namespace EasyParkPlus.Api.Tests;

/// <summary>
/// Reservations through the whole system (api with its worker, the real gateway, PostgreSQL, the Stripe stand-in): which
/// slots may be booked at all, and arrivals judged by the gate's device time however late the event is delivered.
/// </summary>
public sealed class ReservationTests(SystemFixture system) : IClassFixture<SystemFixture>
{
    private async Task<(HttpClient Driver, Guid CustomerId)> DriverWithCardAsync()
    {
        var (driver, _) = await system.NewDriverAsync("Reserving Driver");
        var me = (await driver.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();
        using var card = await driver.PostAsJsonAsync($"api/v1/users/{me}/payment-methods", new { paymentMethodId = "pm_card_visa" });
        card.StatusCode.Should().Be(HttpStatusCode.Created);
        return (driver, me);
    }

    private Task<GateClient> GateAsync(string gateId) =>
        GateClient.ConnectAsync(new Uri($"ws://127.0.0.1:{system.GatewayAddress.Port}/gates/{gateId}"), gateId, SystemFixture.GatePassword);

    private static (DateTimeOffset Start, DateTimeOffset End) Slot(string slot, DateTimeOffset now) => slot switch
    {
        "started ten minutes ago" => (now.AddMinutes(-10), now.AddHours(2)),
        "started yesterday" => (now.AddDays(-1), now.AddHours(1)),
        "91 days ahead" => (now.AddDays(91), now.AddDays(91).AddHours(2)),
        "in the year 9999" => (new DateTimeOffset(9999, 12, 31, 20, 0, 0, TimeSpan.Zero), new DateTimeOffset(9999, 12, 31, 22, 0, 0, TimeSpan.Zero)),
        "in the year 1" => (DateTimeOffset.MinValue, DateTimeOffset.MinValue.AddHours(2)),
        "7 days and a minute long" => (now.AddHours(1), now.AddHours(1).AddDays(7).AddMinutes(1)),
        _ => throw new ArgumentOutOfRangeException(nameof(slot), slot, null),
    };

    [Theory]
    [InlineData("started ten minutes ago")]
    [InlineData("started yesterday")]
    [InlineData("91 days ahead")]
    [InlineData("in the year 9999")]
    [InlineData("in the year 1")]
    [InlineData("7 days and a minute long")]
    public async Task Create_SlotOutsideBookingRules_422AndNothingCharged(string slot)
    {
        var (driver, customerId) = await DriverWithCardAsync();
        using var _ = driver;
        var intentsBefore = (await system.Stripe.GetPaymentIntentsAsync()).Count;
        var (start, end) = Slot(slot, system.Clock.GetUtcNow());

        using var response = await driver.PostAsJsonAsync("api/v1/reservations", new { facilityId = "BOS", spaceType = "regular", slotStart = start, slotEnd = end });

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").EnumerateObject().Should().NotBeEmpty();
        var reservations = await system.Temporal.ListAllAsync($"WorkflowType = 'Reservation' AND CustomerId = '{customerId}'");
        reservations.Should().BeEmpty();
        (await system.RowsAsync("SELECT id FROM reservation.reservations WHERE customer_id = $1", customerId)).Should().BeEmpty();
        (await system.Stripe.GetPaymentIntentsAsync()).Should().HaveCount(intentsBefore);
    }

    [Fact]
    public async Task Create_SlotStartedFourMinutesAgo_IsWithinToleranceAndBooked()
    {
        var (driver, _) = await DriverWithCardAsync();
        using var _ = driver;
        var start = system.Clock.GetUtcNow().AddMinutes(-4);

        using var response = await driver.PostAsJsonAsync("api/v1/reservations",
            new { facilityId = "BOS", spaceType = "regular", slotStart = start, slotEnd = start.AddHours(2) });

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task EntryGateReplaysItsOfflineBufferAfterTheDeadline_ReservationFulfilledAndTheDriverPaysOnce()
    {
        var (driver, _) = await DriverWithCardAsync();
        using var _ = driver;
        var intentsBefore = (await system.Stripe.GetPaymentIntentsAsync()).Select(pi => pi.Id).ToHashSet();
        var start = system.Clock.GetUtcNow().AddMinutes(10);
        using var reserve = await driver.PostAsJsonAsync("api/v1/reservations",
            new { facilityId = "BOS", spaceType = "regular", slotStart = start, slotEnd = start.AddHours(2), plate = "LATE 26" });
        reserve.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var url = $"api/v1/reservations/{(await reserve.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reservationId").GetGuid()}";
        (await driver.WaitForStateAsync(url, "Booked")).GetProperty("prepaidCents").GetInt64().Should().Be(600);

        // The entry gate sees the car at start + 10 minutes while it is offline; the server's clock passes start + 15 minutes
        // and the reservation gives its space back, as for a no-show.
        var enteredAt = start.AddMinutes(10);
        system.AdvanceTo(start.AddMinutes(16));
        await driver.WaitForStateAsync(url, "NoShow");

        // Back online, the controller replays its buffer: the entry carries its device time.
        await using (var entryGate = await GateAsync("BOS-GATE-IN-01"))
        {
            var ack = await entryGate.ReportAsync("BOS-GATE-IN-01:buffered-000417", "entry", "LATE 26", enteredAt);
            (ack.GetProperty("type").GetString(), ack.GetProperty("duplicate").GetBoolean()).Should().Be(("ack", false));
            var open = await entryGate.ReceiveAsync();
            open.GetProperty("type").GetString().Should().Be("openBarrier", "the late entry fulfils the reservation (gate got {0})", open.GetRawText());
            await entryGate.AcknowledgeAsync(open);
        }
        var fulfilled = await driver.WaitForStateAsync(url, "Fulfilled");
        var parkingWorkflowId = fulfilled.GetProperty("parkingWorkflowId").GetString()!;
        var parkingRuns = await system.Temporal.ListAllAsync("WorkflowType = 'ParkingSession' AND Plate = 'LATE26'");
        parkingRuns.Select(e => e.Id).Should().Equal(parkingWorkflowId);

        // 3 h 10 min after the device's entry time the car leaves: $14 less the $6 prepaid.
        system.AdvanceTo(enteredAt + new TimeSpan(3, 10, 0));
        await using (var exitGate = await GateAsync("BOS-GATE-OUT-01"))
        {
            await exitGate.ReportAsync("BOS-GATE-OUT-01:000418", "exit", "LATE 26", enteredAt + new TimeSpan(3, 10, 0));
            var open = await exitGate.ReceiveAsync();
            open.GetProperty("type").GetString().Should().Be("openBarrier");
            await exitGate.AcknowledgeAsync(open);
        }
        var stay = await system.Temporal.WorkflowResultAsync(parkingWorkflowId);

        stay.GetProperty("totalCents").GetInt64().Should().Be(800);
        stay.GetProperty("lines").EnumerateArray().Should().Contain(l => l.GetProperty("amountCents").GetInt64() == -600);
        var charged = (await system.Stripe.GetPaymentIntentsAsync()).Where(pi => !intentsBefore.Contains(pi.Id)).Select(pi => pi.AmountReceived);
        charged.Should().BeEquivalentTo([600L, 800L]);
        (await system.RowsAsync("SELECT status FROM reservation.reservations WHERE plate = 'LATE26'")).Single()["status"].Should().Be("fulfilled");
    }

    [Fact]
    public async Task AvailabilityAndDashboard_CountAReservationHoldWhileItsSlotRuns()
    {
        var (driver, _) = await DriverWithCardAsync();
        using var _ = driver;
        using var ops = await system.OperatorClientAsync();
        async Task<(int Reserved, int Available, int Total)> RegularAtPhiladelphiaAsync()
        {
            var types = (await driver.GetFromJsonAsync<JsonElement>("api/v1/facilities/PHL/availability")).GetProperty("types").EnumerateArray();
            var regular = types.Single(t => t.GetProperty("spaceType").GetString() == "regular");
            return (regular.GetProperty("reserved").GetInt32(), regular.GetProperty("available").GetInt32(), regular.GetProperty("total").GetInt32());
        }
        var before = await RegularAtPhiladelphiaAsync();

        // A slot that began two minutes ago (inside the tolerance): its capacity is held for the driver right now.
        var start = system.Clock.GetUtcNow().AddMinutes(-2);
        using var reserve = await driver.PostAsJsonAsync("api/v1/reservations", new { facilityId = "PHL", spaceType = "regular", slotStart = start, slotEnd = start.AddHours(2) });
        reserve.StatusCode.Should().Be(HttpStatusCode.Accepted);
        await driver.WaitForStateAsync($"api/v1/reservations/{(await reserve.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reservationId").GetGuid()}", "Booked");

        // Availability is cached for a couple of seconds: poll until the hold shows, bounded by a deadline.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        var during = await RegularAtPhiladelphiaAsync();
        while (during.Reserved == before.Reserved && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Yield();
            during = await RegularAtPhiladelphiaAsync();
        }
        during.Should().Be((before.Reserved + 1, before.Available - 1, before.Total));
        var board = await ops.GetFromJsonAsync<JsonElement>("api/v1/console/dashboard");
        var regular = board.GetProperty("facilities").EnumerateArray().Single(f => f.GetProperty("id").GetString() == "PHL")
            .GetProperty("occupancy").EnumerateArray().Single(o => o.GetProperty("spaceType").GetString() == "Regular");
        (regular.GetProperty("reserved").GetInt32(), regular.GetProperty("available").GetInt32()).Should().Be((before.Reserved + 1, before.Available - 1));
    }
}
