using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.Data;
using EasyParkPlus.Workflows;
using EasyParkPlus.Workflows.Charging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Converters;

namespace EasyParkPlus.Api.Tests;

/// <summary>The api without a worker: a started ChargingSession stays running, so its history shows exactly what the api wrote.</summary>
public sealed class ApiWithoutWorkerFixture : ApiFixture
{
    protected override IDictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Api:RunWorker"] = "false";
        return settings;
    }
}

internal sealed record Station(string FacilityId, string StationId, int EvseId);

internal static class ChargingTestData
{
    public static async Task<(Station Bos, Station Elsewhere)> StationsAsync(IServiceProvider services)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<EasyParkDbContext>();
        var stations = await db.Chargers.OrderBy(c => c.StationId)
            .Select(c => new Station(c.FacilityId, c.StationId, c.Evses.OrderBy(e => e.EvseNumber).Select(e => e.EvseNumber).First()))
            .ToListAsync();
        return (stations.First(s => s.FacilityId == "BOS"), stations.First(s => s.FacilityId != "BOS"));
    }

    public static async Task<Guid> CustomerIdAsync(HttpClient driver) =>
        (await driver.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();

    public static async Task<HttpResponseMessage> StartAsync(HttpClient driver, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/charging/sessions") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return await driver.SendAsync(request);
    }
}

public sealed class ChargingEndpointTests(ApiWithoutWorkerFixture api) : IClassFixture<ApiWithoutWorkerFixture>
{
    private ITemporalClient Temporal => api.Temporal;

    private async Task<(Guid SessionId, string WorkflowId)> StartAsync(HttpClient driver, Station station)
    {
        using var response = await ChargingTestData.StartAsync(driver, new { facilityId = station.FacilityId, stationId = station.StationId, evseId = station.EvseId });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var sessionId = body.GetProperty("sessionId").GetGuid();
        Assert.Equal($"/api/v1/charging/sessions/{sessionId}", response.Headers.Location?.OriginalString);
        return (sessionId, body.GetProperty("workflowId").GetString()!);
    }

    [Fact]
    public async Task Start_ValidStation_Returns202AndStartsChargingSessionWithDriversInput()
    {
        var (bos, _) = await ChargingTestData.StationsAsync(api.Services);
        var (driver, _) = await api.NewDriverAsync();
        using (driver)
        {
            var customerId = await ChargingTestData.CustomerIdAsync(driver);

            var (sessionId, workflowId) = await StartAsync(driver, bos with { FacilityId = "bos" });

            Assert.Equal($"charging-{sessionId}", workflowId);
            var description = await Temporal.GetWorkflowHandle(workflowId).DescribeAsync();
            Assert.Equal(nameof(ChargingSession), description.WorkflowType);
            Assert.Equal(WorkflowExecutionStatus.Running, description.Status);
            var attributes = description.TypedSearchAttributes;
            Assert.Equal("BOS", attributes.Get(EasyParkSearchAttributes.FacilityId));
            Assert.Equal(customerId.ToString(), attributes.Get(EasyParkSearchAttributes.CustomerId));
            Assert.Equal(bos.StationId, attributes.Get(EasyParkSearchAttributes.StationId));
            Assert.Equal(bos.EvseId.ToString(System.Globalization.CultureInfo.InvariantCulture), attributes.Get(EasyParkSearchAttributes.EvseId));
            var history = await Temporal.GetWorkflowHandle(workflowId).FetchHistoryAsync();
            var started = history.Events.First().WorkflowExecutionStartedEventAttributes;
            var input = await DataConverter.Default.ToValueAsync<ChargingSessionInput>(Assert.Single(started.Input.Payloads_));
            Assert.Equal(new ChargingSessionInput(sessionId, "BOS", bos.StationId, bos.EvseId, customerId, customerId.ToString()), input);
        }
    }

    [Fact]
    public async Task Status_OwnerAndOperatorRead_OtherDriver404_NoToken401()
    {
        var (bos, _) = await ChargingTestData.StationsAsync(api.Services);
        var (alice, _) = await api.NewDriverAsync("Alice");
        var (bob, _) = await api.NewDriverAsync("Bob");
        using var ops = await api.OperatorClientAsync();
        using var anonymous = api.CreateClient();
        using (alice)
        using (bob)
        {
            var (sessionId, workflowId) = await StartAsync(alice, bos);
            var url = new Uri($"api/v1/charging/sessions/{sessionId}", UriKind.Relative);

            var own = await alice.GetFromJsonAsync<JsonElement>(url);
            var asOperator = await ops.GetFromJsonAsync<JsonElement>(url);
            using var other = await bob.GetAsync(url);
            using var noToken = await anonymous.GetAsync(url);
            using var unknown = await alice.GetAsync(new Uri($"api/v1/charging/sessions/{Guid.NewGuid()}", UriKind.Relative));

            Assert.Equal(workflowId, own.GetProperty("workflowId").GetString());
            Assert.Equal("Running", own.GetProperty("workflowStatus").GetString());
            Assert.Equal(sessionId, asOperator.GetProperty("sessionId").GetGuid());
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            Assert.DoesNotContain(workflowId, await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
    }

    [Fact]
    public async Task Stop_PostedTwiceWithSameKey_DeliversOneStopRequested_OtherDriver404()
    {
        var (bos, _) = await ChargingTestData.StationsAsync(api.Services);
        var (alice, _) = await api.NewDriverAsync("Alice");
        var (bob, _) = await api.NewDriverAsync("Bob");
        using (alice)
        using (bob)
        {
            var (sessionId, workflowId) = await StartAsync(alice, bos);
            var key = Guid.NewGuid().ToString();

            async Task<HttpResponseMessage> StopAsync(HttpClient client)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/charging/sessions/{sessionId}/stop");
                request.Headers.Add("Idempotency-Key", key);
                return await client.SendAsync(request);
            }

            using var byBob = await StopAsync(bob);
            using var first = await StopAsync(alice);
            using var again = await StopAsync(alice);

            Assert.Equal(HttpStatusCode.NotFound, byBob.StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
            var signals = (await Temporal.GetWorkflowHandle(workflowId).FetchHistoryAsync()).Events
                .Select(e => e.WorkflowExecutionSignaledEventAttributes).OfType<WorkflowExecutionSignaledEventAttributes>().ToList();
            var stop = Assert.Single(signals);
            Assert.Equal("StopRequested", stop.SignalName);
            var request = await DataConverter.Default.ToValueAsync<StopRequest>(Assert.Single(stop.Input.Payloads_));
            Assert.False(string.IsNullOrWhiteSpace(request.Reason));
        }
    }

    [Fact]
    public async Task Start_InvalidInput_ReturnsProblemAndStartsNothing()
    {
        var (bos, elsewhere) = await ChargingTestData.StationsAsync(api.Services);
        var (driver, _) = await api.NewDriverAsync();
        using (driver)
        {
            var customerId = await ChargingTestData.CustomerIdAsync(driver);
            object[] bodies =
            [
                new { facilityId = "BOS", stationId = "NO-SUCH-STATION", evseId = 1 },
                new { facilityId = "BOS", stationId = elsewhere.StationId, evseId = elsewhere.EvseId },
                new { facilityId = "BOS", stationId = bos.StationId, evseId = 99 },
                new { facilityId = "NOWHERE", stationId = bos.StationId, evseId = bos.EvseId },
                new { facilityId = "BOS", stationId = bos.StationId },
                new { facilityId = "BOS", evseId = bos.EvseId },
                new { stationId = bos.StationId, evseId = bos.EvseId },
                new { facilityId = "BOS", stationId = bos.StationId, evseId = 0 },
            ];

            foreach (var body in bodies)
            {
                using var response = await ChargingTestData.StartAsync(driver, body);
                Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, $"{body} → {(int)response.StatusCode}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }

            var runs = await Temporal.ListAllAsync($"WorkflowType = '{nameof(ChargingSession)}' AND CustomerId = '{customerId}'");
            Assert.Empty(runs);
        }
    }
}

/// <summary>With the api's worker running: the status endpoint returns what the workflow's Status query says.</summary>
public sealed class ChargingStatusQueryTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Status_DriverWithoutCard_ShowsTheRefusedHoldFromTheStatusQuery()
    {
        var (bos, _) = await ChargingTestData.StationsAsync(api.Services);
        var (driver, _) = await api.NewDriverAsync();
        using (driver)
        {
            using var start = await ChargingTestData.StartAsync(driver, new { facilityId = bos.FacilityId, stationId = bos.StationId, evseId = bos.EvseId });
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
            var started = await start.Content.ReadFromJsonAsync<JsonElement>();
            var sessionId = started.GetProperty("sessionId").GetGuid();

            // No saved card: the hold is refused and the workflow ends; wait for that through Temporal, not a sleep.
            await api.Temporal.WorkflowResultAsync(started.GetProperty("workflowId").GetString()!);
            var status = await driver.GetFromJsonAsync<JsonElement>($"api/v1/charging/sessions/{sessionId}");

            Assert.Equal("Completed", status.GetProperty("workflowStatus").GetString());
            var state = status.GetProperty("state");
            Assert.Equal(ChargingStates.Failed, state.GetProperty("state").GetString());
            Assert.Equal(sessionId, state.GetProperty("sessionId").GetGuid());
            Assert.Equal(bos.StationId, state.GetProperty("stationId").GetString());
            Assert.Contains("hold", state.GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);
            Assert.Equal(nameof(ChargingOutcome.PaymentDeclined), status.GetProperty("result").GetProperty("outcome").GetString());
        }
    }
}
