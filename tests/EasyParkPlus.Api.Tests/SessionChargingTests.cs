using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EasyParkPlus.Api.Tests;

// POST /sessions/{id}/charging: a driver parked in an EV space asks the stay to charge; the stay starts a child ChargingSession.
public sealed class SessionChargingTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static async Task<Guid> CheckInAsync(HttpClient driver, string plate, string spaceType)
    {
        using var checkIn = await driver.PostAsJsonAsync("api/v1/entry/checkin", new { facilityId = "BOS", plate, spaceType });
        Assert.Equal(HttpStatusCode.Accepted, checkIn.StatusCode);
        return (await checkIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetGuid();
    }

    // Polls the stay's Status query (the worker runs in the api process); bounded by a deadline, never a sleep.
    private static async Task<JsonElement> WaitForAsync(HttpClient client, string url, Func<JsonElement, bool> done)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            var body = await client.GetFromJsonAsync<JsonElement>(url);
            if (body.GetProperty("state").ValueKind == JsonValueKind.Object && done(body.GetProperty("state")))
            {
                return body;
            }
            Assert.True(DateTimeOffset.UtcNow < deadline, $"{url} never got there: {body}");
            await Task.Yield();
        }
    }

    private static bool Parked(JsonElement state) => state.GetProperty("state").GetString() == "Parked";

    private async Task<(string StationId, int EvseId, string OtherFacilityStation)> StationsAsync()
    {
        var (bos, elsewhere) = await ChargingTestData.StationsAsync(api.Services);
        return (bos.StationId, bos.EvseId, elsewhere.StationId);
    }

    [Fact]
    public async Task EvStay_ChargingRequested_StartsAChildChargingSessionTheDriverCanSee()
    {
        var (driver, _) = await api.NewDriverAsync("EV Driver");
        using (driver)
        {
            var (station, evse, _) = await StationsAsync();
            var sessionId = await CheckInAsync(driver, "EVC 101", "ev");
            await WaitForAsync(driver, $"api/v1/sessions/{sessionId}", Parked);

            using var request = await driver.PostAsJsonAsync($"api/v1/sessions/{sessionId}/charging", new { stationId = station, evseId = evse });
            Assert.Equal(HttpStatusCode.Accepted, request.StatusCode);

            var session = await WaitForAsync(driver, $"api/v1/sessions/{sessionId}",
                s => s.TryGetProperty("chargingSessionId", out var id) && id.ValueKind == JsonValueKind.String);
            var chargingSessionId = session.GetProperty("state").GetProperty("chargingSessionId").GetGuid();
            // The child carries the driver's account from its start, so the driver reads it through the charging endpoint
            // (its state appears once its first workflow task has run).
            var body = await WaitForAsync(driver, $"api/v1/charging/sessions/{chargingSessionId}", _ => true);
            Assert.Equal($"charging-{chargingSessionId}", body.GetProperty("workflowId").GetString());
            Assert.Equal(station, body.GetProperty("state").GetProperty("stationId").GetString());
        }
    }

    [Fact]
    public async Task RegularStay_ChargingRequested_Accepted_StatusSaysWhyNothingStarted()
    {
        var (driver, _) = await api.NewDriverAsync("Regular Driver");
        using (driver)
        {
            var (station, evse, _) = await StationsAsync();
            var sessionId = await CheckInAsync(driver, "REG 202", "regular");
            await WaitForAsync(driver, $"api/v1/sessions/{sessionId}", Parked);

            using var request = await driver.PostAsJsonAsync($"api/v1/sessions/{sessionId}/charging", new { stationId = station, evseId = evse });
            Assert.Equal(HttpStatusCode.Accepted, request.StatusCode);

            var state = (await WaitForAsync(driver, $"api/v1/sessions/{sessionId}",
                s => s.TryGetProperty("chargingNote", out var note) && note.ValueKind == JsonValueKind.String)).GetProperty("state");
            Assert.Contains("not an EV space", state.GetProperty("chargingNote").GetString(), StringComparison.Ordinal);
            Assert.False(state.TryGetProperty("chargingSessionId", out var started) && started.ValueKind != JsonValueKind.Null, $"a charge started: {state}");
        }
    }

    [Fact]
    public async Task ChargingRequested_WrongStationOrSomeoneElsesStay_RefusedAndNothingSignalled()
    {
        var (alice, _) = await api.NewDriverAsync("Alice");
        var (bob, _) = await api.NewDriverAsync("Bob");
        using (alice)
        using (bob)
        {
            var (station, evse, otherFacilityStation) = await StationsAsync();
            var sessionId = await CheckInAsync(alice, "ALC 303", "ev");
            await WaitForAsync(alice, $"api/v1/sessions/{sessionId}", Parked);
            var url = $"api/v1/sessions/{sessionId}/charging";

            using var elsewhere = await alice.PostAsJsonAsync(url, new { stationId = otherFacilityStation, evseId = 1 });
            using var unknown = await alice.PostAsJsonAsync(url, new { stationId = "NO-SUCH-STATION", evseId = 1 });
            using var noEvse = await alice.PostAsJsonAsync(url, new { stationId = station, evseId = 99 });
            using var missing = await alice.PostAsJsonAsync(url, new { stationId = station });
            using var notHers = await bob.PostAsJsonAsync(url, new { stationId = station, evseId = evse });
            using var noSession = await alice.PostAsJsonAsync($"api/v1/sessions/{Guid.NewGuid()}/charging", new { stationId = station, evseId = evse });

            Assert.Equal(
                [HttpStatusCode.UnprocessableEntity, HttpStatusCode.UnprocessableEntity, HttpStatusCode.UnprocessableEntity, HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.NotFound],
                new[] { elsewhere, unknown, noEvse, missing, notHers, noSession }.Select(r => r.StatusCode));
            Assert.Contains("is not at facility 'BOS'", await elsewhere.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var history = await api.Temporal.GetWorkflowHandle($"parking-{sessionId}").FetchHistoryAsync();
            Assert.DoesNotContain(history.Events, e => e.WorkflowExecutionSignaledEventAttributes is not null);
        }
    }
}
