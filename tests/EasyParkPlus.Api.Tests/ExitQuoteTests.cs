using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;

namespace EasyParkPlus.Api.Tests;

// POST /sessions/{id}/exit-quote: the price at exit comes from the stay's workflow through its QuoteExit update.
public sealed class ExitQuoteTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static async Task WaitForParkedAsync(HttpClient driver, Guid sessionId)
    {
        // Polls the Status query with a deadline; the worker runs in the api process.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            var body = await driver.GetFromJsonAsync<JsonElement>($"api/v1/sessions/{sessionId}");
            if (body.GetProperty("state") is { ValueKind: JsonValueKind.Object } state && state.GetProperty("state").GetString() == "Parked")
            {
                return;
            }
            DateTimeOffset.UtcNow.Should().BeBefore(deadline, $"session {sessionId} should park: {body}");
            await Task.Yield();
        }
    }

    [Fact]
    public async Task QuoteExit_ThreeHoursTenMinutesAtBoston_Answers14DollarsAndTheExitBills14()
    {
        var (driver, _) = await api.NewDriverAsync("Quoted Driver");
        var (stranger, _) = await api.NewDriverAsync("Other Driver");
        using (driver)
        using (stranger)
        {
            var me = (await driver.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();
            using (var card = await driver.PostAsJsonAsync($"api/v1/users/{me}/payment-methods", new { paymentMethodId = "pm_card_visa" }))
            {
                card.StatusCode.Should().Be(HttpStatusCode.Created);
            }
            using var checkIn = await driver.PostAsJsonAsync("api/v1/entry/checkin", new { facilityId = "BOS", plate = "QTE 310", spaceType = "regular" });
            checkIn.StatusCode.Should().Be(HttpStatusCode.Accepted);
            var sessionId = (await checkIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetGuid();
            await WaitForParkedAsync(driver, sessionId);
            api.Clock.Advance(new TimeSpan(3, 10, 0));

            using var quote = await driver.PostAsync($"api/v1/sessions/{sessionId}/exit-quote", null);

            quote.StatusCode.Should().Be(HttpStatusCode.OK);
            var body = await quote.Content.ReadFromJsonAsync<JsonElement>();
            (body.GetProperty("state").GetString(), body.GetProperty("totalCents").GetInt64(), body.GetProperty("paidCents").GetInt64(),
                body.GetProperty("dueCents").GetInt64()).Should().Be(("Parked", 1400L, 0L, 1400L));
            body.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("amountCents").GetInt64()).Should().Equal(900L, 500L);

            // Another driver's stay is not theirs to quote.
            using (var foreign = await stranger.PostAsync($"api/v1/sessions/{sessionId}/exit-quote", null))
            {
                foreign.StatusCode.Should().Be(HttpStatusCode.NotFound);
            }

            // The exit bills what the quote said; a closed stay has nothing left to quote.
            using (var exit = await driver.PostAsJsonAsync("api/v1/exit/checkout", new { sessionId }))
            {
                exit.StatusCode.Should().Be(HttpStatusCode.Accepted);
            }
            var result = await api.Temporal.WorkflowResultAsync($"parking-{sessionId}");
            (result.GetProperty("totalCents").GetInt64(), result.GetProperty("paidCents").GetInt64()).Should().Be((1400L, 1400L));
            using var closed = await driver.PostAsync($"api/v1/sessions/{sessionId}/exit-quote", null);
            closed.StatusCode.Should().Be(HttpStatusCode.Conflict);
            closed.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
            (await closed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString().Should().Be("The session is already closed.");
        }
    }

    [Fact]
    public async Task QuoteExit_UnknownSession_Is404()
    {
        var (driver, _) = await api.NewDriverAsync("Lost Driver");
        using (driver)
        {
            using var quote = await driver.PostAsync($"api/v1/sessions/{Guid.NewGuid()}/exit-quote", null);
            quote.StatusCode.Should().Be(HttpStatusCode.NotFound);
        }
    }
}
