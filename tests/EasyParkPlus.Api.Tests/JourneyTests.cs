using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.Data.Seeding;

namespace EasyParkPlus.Api.Tests;

/// <summary>
/// Whole journeys through the real HTTP pipeline, the real ParkingSession/Reservation/ChargingSession workflows on the api's
/// hosted worker, PostgreSQL, the Stripe stand-in, and the real ocpp-gateway with an ocpp-rpc charging station for the charge.
/// </summary>
public sealed class JourneyTests(SystemFixture api) : IClassFixture<SystemFixture>
{
    private async Task<JsonElement?> ResultAsync(string workflowId)
    {
        // Waits for the run to close (the worker runs in the api process); the test never sleeps.
        return await api.Temporal.WorkflowResultAsync(workflowId);
    }

    private async Task<JsonElement> WaitForStateAsync(HttpClient client, string url, string state)
    {
        // Polls the Status query; each poll is an HTTP round trip, bounded by a deadline rather than sleeps.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.NotFound && DateTimeOffset.UtcNow < deadline)
            {
                // A child workflow (reservation → parking session) starts just after the call that caused it.
                await Task.Yield();
                continue;
            }
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (body.GetProperty("state").ValueKind == JsonValueKind.Object && body.GetProperty("state").GetProperty("state").GetString() == state)
            {
                return body;
            }
            Assert.True(DateTimeOffset.UtcNow < deadline, $"{url} never reached {state}: {body}");
            await Task.Yield();
        }
    }

    [Fact]
    public async Task DriverJourney_Register_Vehicle_Card_Reserve_Enter_Charge_Exit_Receipt()
    {
        var (driver, _) = await api.NewDriverAsync("Journey Driver");
        using (driver)
        {
            var me = (await driver.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();
            using (var vehicle = await driver.PostAsJsonAsync($"api/v1/users/{me}/vehicles", new { plate = "JRN 2026", fuel = "ev", kind = "car" }))
            {
                Assert.Equal(HttpStatusCode.Created, vehicle.StatusCode);
            }
            using (var card = await driver.PostAsJsonAsync($"api/v1/users/{me}/payment-methods", new { paymentMethodId = "pm_card_visa" }))
            {
                Assert.Equal(HttpStatusCode.Created, card.StatusCode);
            }

            // Reserve a regular space from 10 minutes from now for two hours: prepaid with the saved card.
            var slotStart = api.Clock.GetUtcNow().AddMinutes(10);
            using var reserve = await driver.PostAsJsonAsync("api/v1/reservations",
                new { facilityId = "BOS", spaceType = "regular", slotStart, slotEnd = slotStart.AddHours(2), plate = "JRN2026" });
            Assert.Equal(HttpStatusCode.Accepted, reserve.StatusCode);
            var reservationId = (await reserve.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reservationId").GetGuid();
            var booked = await WaitForStateAsync(driver, $"api/v1/reservations/{reservationId}", "Booked");
            Assert.True(booked.GetProperty("state").GetProperty("prepaidCents").GetInt64() > 0);

            // Enter: confirming arrival hands the reservation over to a parking session.
            using var arrive = await driver.PostAsJsonAsync($"api/v1/reservations/{reservationId}/confirm", new { plate = "JRN 2026" });
            Assert.Equal(HttpStatusCode.Accepted, arrive.StatusCode);
            var sessionId = (await arrive.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetGuid();
            var fulfilled = await WaitForStateAsync(driver, $"api/v1/reservations/{reservationId}", "Fulfilled");
            Assert.Equal($"parking-{sessionId}", fulfilled.GetProperty("state").GetProperty("parkingWorkflowId").GetString());
            var parked = await WaitForStateAsync(driver, $"api/v1/sessions/{sessionId}", "Parked");

            // Charge: started and stopped in the app at a Boston station played by ocpp-rpc through the real gateway. The
            // station script charges 12,300 Wh with 4 idle minutes (inside the grace): $2.00 + 12.3 kWh × $0.35 = $4.305 → $4.31,
            // so $6.31, captured from the $50.00 hold.
            var (chargingId, charged, _) = await StationScript.ChargeFromTheAppAsync(api, driver, "BOS", EasyParkSeeder.StationId("BOS", 1));
            Assert.Equal(("Completed", 631L, 631L), (charged.GetProperty("outcome").GetString(), charged.GetProperty("totalCents").GetInt64(),
                charged.GetProperty("capturedCents").GetInt64()));
            var chargingInvoiceId = charged.GetProperty("invoiceId").GetGuid();
            var chargingReceipt = await driver.GetFromJsonAsync<JsonElement>($"api/v1/invoices/{chargingInvoiceId}/receipt");
            Assert.Equal((631L, "charging"), (chargingReceipt.GetProperty("totalCents").GetInt64(), chargingReceipt.GetProperty("invoice").GetProperty("kind").GetString()));
            Assert.Equal($"charging-{chargingId}", chargingReceipt.GetProperty("invoice").GetProperty("sourceWorkflowId").GetString());
            api.Clock.Advance(TimeSpan.FromHours(3));
            Assert.False(string.IsNullOrEmpty(parked.GetProperty("state").GetProperty("spaceLabel").GetString()));
            var active = await driver.GetFromJsonAsync<JsonElement>("api/v1/sessions/active");
            Assert.Contains(sessionId, active.EnumerateArray().Select(s => s.GetProperty("sessionId").GetGuid()));

            // Exit: the saved card pays (the prepayment is credited), then the receipt is there.
            using var exit = await driver.PostAsJsonAsync("api/v1/exit/checkout", new { sessionId });
            Assert.Equal(HttpStatusCode.Accepted, exit.StatusCode);
            var result = await ResultAsync($"parking-{sessionId}");
            Assert.Equal("Completed", result!.Value.GetProperty("outcome").GetString());
            var invoiceId = result.Value.GetProperty("invoiceId").GetGuid();
            var session = await driver.GetFromJsonAsync<JsonElement>($"api/v1/sessions/{sessionId}");
            Assert.Equal("Completed", session.GetProperty("workflowStatus").GetString());

            var receipt = await driver.GetFromJsonAsync<JsonElement>($"api/v1/invoices/{invoiceId}/receipt");
            Assert.Equal(result.Value.GetProperty("receiptNumber").GetInt64(), receipt.GetProperty("number").GetInt64());
            var invoices = await driver.GetFromJsonAsync<JsonElement>("api/v1/invoices");
            Assert.Contains(invoiceId, invoices.EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
            Assert.Contains(chargingInvoiceId, invoices.EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
        }
    }

    [Fact]
    public async Task OperatorJourney_StuckAtPayStation_FindInspectSignal_Finishes()
    {
        // A driver without a saved card checks in from the app and leaves: the exit waits at the pay station.
        var (driver, _) = await api.NewDriverAsync("No Card");
        using var ops = await api.OperatorClientAsync();
        using (driver)
        {
            using var checkIn = await driver.PostAsJsonAsync("api/v1/entry/checkin", new { facilityId = "PHL", plate = "STK 42", spaceType = "regular" });
            Assert.Equal(HttpStatusCode.Accepted, checkIn.StatusCode);
            var sessionId = (await checkIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetGuid();
            await WaitForStateAsync(driver, $"api/v1/sessions/{sessionId}", "Parked");
            api.Clock.Advance(TimeSpan.FromHours(2)); // a stay past the free grace period, so something is due
            using (var exit = await driver.PostAsJsonAsync("api/v1/exit/checkout", new { sessionId }))
            {
                Assert.Equal(HttpStatusCode.Accepted, exit.StatusCode);
            }
            var stuck = await WaitForStateAsync(ops, $"api/v1/sessions/{sessionId}", "AwaitingPayment");
            var due = stuck.GetProperty("state").GetProperty("amountDueCents").GetInt64();

            // Find: running ParkingSessions at PHL for the plate.
            var list = await ops.GetFromJsonAsync<JsonElement>("api/v1/workflows?type=ParkingSession&status=running&facility=PHL&plate=stk42");
            Assert.Equal($"parking-{sessionId}", Assert.Single(list.GetProperty("workflows").EnumerateArray()).GetProperty("workflowId").GetString());

            // Inspect: state and history.
            var detail = await ops.GetFromJsonAsync<JsonElement>($"api/v1/workflows/parking-{sessionId}");
            Assert.Equal("AwaitingPayment", detail.GetProperty("state").GetProperty("state").GetString());
            var history = (await ops.GetFromJsonAsync<JsonElement>($"api/v1/workflows/parking-{sessionId}/history")).EnumerateArray()
                .Select(e => e.GetProperty("eventType").GetString()).ToList();
            Assert.Contains("WorkflowExecutionSignaled", history);
            Assert.Contains("ActivityTaskCompleted", history);

            // Signal: the operator took the money at the booth.
            using var signal = await ops.PostAsJsonAsync($"api/v1/workflows/parking-{sessionId}/signal", new
            {
                signalName = "PaymentReceivedAtBooth",
                input = new { amountCents = due, reference = "booth-PHL-1", paidAt = DateTimeOffset.UtcNow },
                reason = "driver paid cash at the booth",
            });
            Assert.Equal(HttpStatusCode.Accepted, signal.StatusCode);

            // See it finish.
            var result = await ResultAsync($"parking-{sessionId}");
            Assert.Equal("Completed", result!.Value.GetProperty("outcome").GetString());
            Assert.Equal("PayStation", result.Value.GetProperty("channel").GetString());
            var audit = await ops.GetFromJsonAsync<JsonElement>($"api/v1/workflows/parking-{sessionId}/audit");
            Assert.Equal("signal", Assert.Single(audit.EnumerateArray()).GetProperty("action").GetString());
        }
    }

    [Fact]
    public async Task CheckIn_SameIdempotencyKeyTwice_StartsOneWorkflow()
    {
        var (driver, _) = await api.NewDriverAsync();
        using (driver)
        {
            var key = Guid.NewGuid().ToString();
            async Task<JsonElement> CheckInAsync()
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/entry/checkin") { Content = JsonContent.Create(new { facilityId = "BOS", plate = "ONE 1", spaceType = "regular" }) };
                request.Headers.Add("Idempotency-Key", key);
                using var response = await driver.SendAsync(request);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            var first = await CheckInAsync();
            var second = await CheckInAsync();

            Assert.Equal(first.GetProperty("sessionId").GetGuid(), second.GetProperty("sessionId").GetGuid());
            var runs = await api.Temporal.ListAllAsync("WorkflowType = 'ParkingSession' AND Plate = 'ONE1'");
            Assert.Single(runs);
        }
    }

    [Fact]
    public async Task Driver_CannotSeeAnotherDriversSession_404()
    {
        var (alice, _) = await api.NewDriverAsync("Alice");
        var (bob, _) = await api.NewDriverAsync("Bob");
        using (alice)
        using (bob)
        {
            using var checkIn = await alice.PostAsJsonAsync("api/v1/entry/checkin", new { facilityId = "BOS", plate = "ALC 7", spaceType = "regular" });
            var sessionId = (await checkIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetGuid();

            using var peek = await bob.GetAsync(new Uri($"api/v1/sessions/{sessionId}", UriKind.Relative));
            using var leave = await bob.PostAsJsonAsync("api/v1/exit/checkout", new { sessionId });
            using var own = await alice.GetAsync(new Uri($"api/v1/sessions/{sessionId}", UriKind.Relative));

            Assert.Equal(HttpStatusCode.NotFound, peek.StatusCode);
            Assert.DoesNotContain("ALC7", await peek.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, leave.StatusCode);
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }
    }
}
