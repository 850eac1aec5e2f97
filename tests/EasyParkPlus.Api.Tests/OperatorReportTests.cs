using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Parking;
using EasyParkPlus.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EasyParkPlus.Api.Tests;

/// <summary>
/// What operators read, on real PostgreSQL through the api with its worker: revenue, the dashboard and the accounting export
/// net of refunds (reservations booked and cancelled through the real workflow and the Stripe stand-in), charger
/// utilisation, and the parked cars the console lists.
/// </summary>
public sealed class OperatorReportTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly TimeZoneInfo Boston = FacilityTime.Zone("America/New_York");

    private async Task<string> ReserveAsync(HttpClient driver, DateTimeOffset start)
    {
        using var response = await driver.PostAsJsonAsync("api/v1/reservations", new { facilityId = "BOS", spaceType = "regular", slotStart = start, slotEnd = start.AddHours(2) });
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var url = $"api/v1/reservations/{(await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reservationId").GetGuid()}";
        (await driver.WaitForStateAsync(url, "Booked")).GetProperty("prepaidCents").GetInt64().Should().Be(600);
        return url;
    }

    [Fact]
    public async Task CancelledReservations_RefundsAreNegativeLinesOnTheirOwnDay_InRevenueDashboardExportAndTheInvoices()
    {
        var (booking, email) = await api.NewDriverAsync("Refunded Driver");
        var me = (await booking.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();
        using (var card = await booking.PostAsJsonAsync($"api/v1/users/{me}/payment-methods", new { paymentMethodId = "pm_card_visa" }))
        {
            card.StatusCode.Should().Be(HttpStatusCode.Created);
        }
        var bookedAt = api.Clock.GetUtcNow();
        // Two $6 prepayments today; a day and a half later one is cancelled days ahead (100% back) and the other half an hour
        // before its start (50% back).
        var early = await ReserveAsync(booking, bookedAt.AddDays(3));
        var late = await ReserveAsync(booking, bookedAt.AddHours(36).AddMinutes(30));
        booking.Dispose();
        api.Clock.Advance(TimeSpan.FromHours(36));
        var refundedAt = api.Clock.GetUtcNow();
        // Signed in again: the tokens from a day and a half ago have expired.
        using var driver = api.CreateClient((await api.LoginAsync(email, ApiFixture.DriverPassword)).AccessToken);
        using var ops = await api.OperatorClientAsync();
        foreach (var url in new[] { early, late })
        {
            using var cancel = await driver.DeleteAsync(new Uri(url, UriKind.Relative));
            cancel.StatusCode.Should().Be(HttpStatusCode.Accepted);
        }
        (await driver.WaitForStateAsync(early, "Cancelled")).GetProperty("refundedCents").GetInt64().Should().Be(600);
        (await driver.WaitForStateAsync(late, "Cancelled")).GetProperty("refundedCents").GetInt64().Should().Be(300);
        var paidDay = FacilityTime.LocalDate(bookedAt, Boston);
        var refundDay = FacilityTime.LocalDate(refundedAt, Boston);
        refundDay.Should().NotBe(paidDay);

        // Revenue analytics: the payments on the day they were taken, the refunds as negative lines on the day they were made.
        var revenue = await ops.GetFromJsonAsync<JsonElement>(
            $"api/v1/analytics/revenue?facilityId=BOS&startDate={Uri.EscapeDataString(bookedAt.AddHours(-1).ToString("O"))}&endDate={Uri.EscapeDataString(refundedAt.AddHours(1).ToString("O"))}");
        var rows = revenue.GetProperty("rows").EnumerateArray()
            .Select(r => (Day: DateOnly.Parse(r.GetProperty("day").GetString()!, CultureInfo.InvariantCulture), Entry: r.GetProperty("entry").GetString(),
                Count: r.GetProperty("count").GetInt32(), Cents: r.GetProperty("totalCents").GetInt64()))
            .ToList();
        rows.Should().BeEquivalentTo([(paidDay, "payment", 2, 1200L), (refundDay, "refund", 2, -900L)]);
        (revenue.GetProperty("grossCents").GetInt64(), revenue.GetProperty("refundedCents").GetInt64(), revenue.GetProperty("totalCents").GetInt64())
            .Should().Be((1200L, 900L, 300L));

        // "Revenue today" on the dashboard: today only the refunds happened.
        var board = await ops.GetFromJsonAsync<JsonElement>("api/v1/console/dashboard");
        board.GetProperty("facilities").EnumerateArray().Single(f => f.GetProperty("id").GetString() == "BOS")
            .GetProperty("revenueTodayCents").GetInt64().Should().Be(-900);

        // The accounting export: a negative line per refund, dated the day of the refund.
        using var export = await ops.GetAsync(new Uri(
            $"api/v1/analytics/export?format=csv&facilityId=BOS&from={Uri.EscapeDataString(bookedAt.AddHours(-1).ToString("O"))}&to={Uri.EscapeDataString(refundedAt.AddHours(1).ToString("O"))}",
            UriKind.Relative));
        var lines = (await export.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        var refundLines = lines.Where(l => l.Contains(",REFUND,", StringComparison.Ordinal)).ToList();
        refundLines.Should().HaveCount(2);
        refundLines.Should().OnlyContain(l => l.Contains($",{refundDay:MM/dd/yyyy},", StringComparison.Ordinal));
        refundLines.Select(l => l.Split(',')[10]).Should().BeEquivalentTo(["-6.00", "-3.00"]);
        lines.Except(refundLines).Should().HaveCount(2).And.OnlyContain(l => l.Contains($",{paidDay:MM/dd/yyyy},", StringComparison.Ordinal));

        // The driver's invoices show their refunds and say refunded / partially refunded.
        var invoices = (await driver.GetFromJsonAsync<JsonElement>("api/v1/invoices")).EnumerateArray()
            .Select(i => (Status: i.GetProperty("status").GetString(), Refunded: i.GetProperty("refundedCents").GetInt64(),
                Refunds: i.GetProperty("refunds").EnumerateArray().Select(r => (r.GetProperty("amountCents").GetInt64(), r.GetProperty("refundedAt").GetDateTimeOffset())).ToList()))
            .ToList();
        invoices.Should().HaveCount(2);
        invoices.Should().ContainSingle(i => i.Status == "refunded" && i.Refunded == 600 && i.Refunds.Single().Item1 == 600);
        invoices.Should().ContainSingle(i => i.Status == "partially_refunded" && i.Refunded == 300 && i.Refunds.Single().Item1 == 300);
        invoices.SelectMany(i => i.Refunds).Should().OnlyContain(r => r.Item2 >= refundedAt.AddSeconds(-1) && r.Item2 <= api.Clock.GetUtcNow());
    }

    [Fact]
    public async Task ChargerUtilisation_ChargerWithoutSessionsIsIdle_OverlappingSessionsCountOnce()
    {
        using var ops = await api.OperatorClientAsync();
        // Whole seconds: PostgreSQL keeps microseconds, so a tick-precise window would shave a fraction off each interval.
        var now = api.Clock.GetUtcNow();
        var end = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var start = end.AddHours(-10);
        // PHL's first charger: two EVSEs charging 2-5 h and 4-6 h into the window (busy 4 h, not 5), one session from before
        // the window until 1 h into it; the others never charged.
        await using (var db = Npgsql.NpgsqlDataSource.Create(api.ConnectionString))
        {
            await using var insert = db.CreateCommand("""
                WITH charger AS (SELECT id FROM charging.chargers WHERE facility_id = 'PHL' ORDER BY station_id LIMIT 1),
                     evse AS (SELECT e.id FROM charging.evses e JOIN charger c ON e.charger_id = c.id ORDER BY e.evse_number LIMIT 1)
                INSERT INTO charging.charging_sessions (id, workflow_id, charger_id, evse_id, transaction_id, status,
                    started_device_at, started_received_at, ended_device_at, ended_received_at, energy_wh)
                SELECT gen_random_uuid(), 'charging-util-' || n, (SELECT id FROM charger), (SELECT id FROM evse), 'tx-util-' || n, 'completed',
                       $1 + make_interval(hours => s), $1 + make_interval(hours => s), $1 + make_interval(hours => e), $1 + make_interval(hours => e), 1000
                FROM (VALUES (1, 2, 5), (2, 4, 6), (3, -3, 1)) AS v (n, s, e)
                """);
            insert.Parameters.Add(new() { Value = start });
            await insert.ExecuteNonQueryAsync();
        }

        var report = await ops.GetFromJsonAsync<JsonElement>(
            $"api/v1/analytics/charger-utilization?facilityId=PHL&from={Uri.EscapeDataString(start.ToString("O"))}&to={Uri.EscapeDataString(end.ToString("O"))}");

        var chargers = report.GetProperty("chargers").EnumerateArray().ToList();
        chargers.Should().HaveCount(4);
        (chargers[0].GetProperty("sessions").GetInt32(), chargers[0].GetProperty("busySeconds").GetDouble(), chargers[0].GetProperty("utilisationPercent").GetDouble())
            .Should().Be((3, 5 * 3600.0, 50.0));
        chargers.Skip(1).Should().OnlyContain(c => c.GetProperty("busySeconds").GetDouble() == 0 && c.GetProperty("utilisationPercent").GetDouble() == 0
            && c.GetProperty("sessions").GetInt32() == 0);
    }

    [Fact]
    public async Task ConsoleSessions_ListParkedCarsByPlateSpaceDurationAndAmount()
    {
        var now = api.Clock.GetUtcNow();
        await using (var scope = api.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<EasyParkDbContext>();
            var space = await db.Spaces.Where(s => s.FacilityId == "PHL" && s.SpaceType == SpaceType.Regular).OrderBy(s => s.Label).FirstAsync();
            ParkingSession Session(string plate, ParkingSessionStatus status, TimeSpan parkedAgo) => new()
            {
                Id = Guid.NewGuid(),
                WorkflowId = $"parking-{plate}",
                FacilityId = "PHL",
                Plate = plate,
                SpaceType = SpaceType.Regular,
                Status = status,
                EntryDeviceAt = now - parkedAgo,
                EntryReceivedAt = now - parkedAgo,
            };
            var parked = Session("SES1", ParkingSessionStatus.Active, new TimeSpan(2, 10, 0));
            parked.SpaceId = space.Id;
            var leaving = Session("SES2", ParkingSessionStatus.Exited, TimeSpan.FromHours(5));
            leaving.ExitDeviceAt = now.AddHours(-1);
            leaving.AmountDue = Money.FromCents(2100);
            db.ParkingSessions.AddRange(parked, leaving, Session("SES3", ParkingSessionStatus.Completed, TimeSpan.FromHours(9)));
            await db.SaveChangesAsync();

            using var ops = await api.OperatorClientAsync();
            var sessions = (await ops.GetFromJsonAsync<JsonElement>("api/v1/console/sessions?facilityId=PHL")).EnumerateArray()
                .Select(s => (Plate: s.GetProperty("plate").GetString(), Space: s.GetProperty("space").GetString(), Minutes: s.GetProperty("minutes").GetInt32(),
                    Amount: s.GetProperty("amountCents").GetInt64(), State: s.GetProperty("state").GetString()))
                .ToList();

            // Oldest first; 2 h 10 min parked so far is 3 started hours at $3; the car that left owes what its session priced.
            sessions.Should().Equal(("SES2", (string?)null, 240, 2100L, "Awaiting payment"), ("SES1", space.Label, 130, 900L, "Parked"));
        }
    }
}
