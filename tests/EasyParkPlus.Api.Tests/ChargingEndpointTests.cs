using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.Data;
using EasyParkPlus.Engine;
using EasyParkPlus.Engine.Store;
using EasyParkPlus.Workflows.Charging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

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
    private IWorkflowClient Engine => api.Services.GetRequiredService<IWorkflowClient>();

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
            var description = await Engine.DescribeWorkflowAsync(workflowId);
            Assert.Equal(nameof(ChargingSession), description.Execution.WorkflowType);
            Assert.Equal(WorkflowStatus.Running, description.Execution.Status);
            var attributes = description.Execution.SearchAttributes;
            Assert.Equal("BOS", attributes["FacilityId"].GetString());
            Assert.Equal(customerId.ToString(), attributes["CustomerId"].GetString());
            Assert.Equal(bos.StationId, attributes["StationId"].GetString());
            Assert.Equal(bos.EvseId.ToString(System.Globalization.CultureInfo.InvariantCulture), attributes["EvseId"].GetString());
            var started = Assert.IsType<WorkflowExecutionStarted>((await Engine.GetWorkflowHistoryAsync(workflowId))[0].Attributes);
            var input = Assert.IsType<ChargingSessionInput>(PayloadConverter.FromArguments(started.Input, [typeof(ChargingSessionInput)], "input")[0]);
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
            var signals = (await Engine.GetWorkflowHistoryAsync(workflowId)).Select(e => e.Attributes).OfType<WorkflowExecutionSignaled>().ToList();
            var stop = Assert.Single(signals);
            Assert.Equal("StopRequested", stop.SignalName);
            var request = Assert.IsType<StopRequest>(PayloadConverter.FromArguments(stop.Input, [typeof(StopRequest)], "signal")[0]);
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

            var page = await Engine.ListWorkflowsAsync(new WorkflowListQuery
            {
                WorkflowType = nameof(ChargingSession),
                SearchAttributes = new Dictionary<string, object?> { ["CustomerId"] = customerId.ToString() },
            });
            Assert.Empty(page.Executions);
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

            // No saved card: the hold is refused and the workflow ends; wait for that through the engine, not a sleep.
            await api.Services.GetRequiredService<IWorkflowClient>().GetWorkflowResultAsync(started.GetProperty("workflowId").GetString()!, null);
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
