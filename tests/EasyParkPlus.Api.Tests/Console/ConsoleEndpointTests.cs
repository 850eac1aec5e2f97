using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Billing;
using EasyParkPlus.Data.Charging;
using EasyParkPlus.Data.Parking;
using EasyParkPlus.Domain;
using EasyParkPlus.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Temporalio.Client;

namespace EasyParkPlus.Api.Tests.Console;

/// <summary>The console's endpoints and pages over real HTTP against the api on PostgreSQL.</summary>
public sealed class ConsoleEndpointTests(ApiWithTestWorkflowsFixture api) : IClassFixture<ApiWithTestWorkflowsFixture>
{
    [Fact]
    public async Task Dashboard_WithoutToken_Returns401()
    {
        using var anonymous = api.CreateClient();

        using var response = await anonymous.GetAsync("api/v1/console/dashboard");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_AsDriver_Returns403()
    {
        var (driver, _) = await api.NewDriverAsync();
        using (driver)
        {
            using var response = await driver.GetAsync("api/v1/console/dashboard");

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    [Fact]
    public async Task Settings_AsOperator_GiveTheTemporalUiToLinkTo_AndDriversGetNone()
    {
        using var operatorClient = await api.OperatorClientAsync();
        var (driver, _) = await api.NewDriverAsync();

        var settings = await operatorClient.GetFromJsonAsync<JsonElement>("api/v1/console/settings");
        using var refused = await driver.GetAsync("api/v1/console/settings");
        driver.Dispose();

        Assert.Equal(ApiFixture.TemporalUiUrl.TrimEnd('/'), settings.GetProperty("temporalUiUrl").GetString());
        Assert.Equal("default", settings.GetProperty("temporalNamespace").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    // The console's workflow search retired with its workflow pages (the Temporal Web UI has them); /api/v1/workflows stays.
    [Fact]
    public async Task WorkflowTypes_AfterTheConsoleWorkflowPagesRetired_Returns404()
    {
        using var operatorClient = await api.OperatorClientAsync();

        using var retired = await operatorClient.GetAsync("api/v1/console/workflow-types");
        using var kept = await operatorClient.GetAsync("api/v1/workflows?pageSize=1");

        retired.StatusCode.Should().Be(HttpStatusCode.NotFound);
        kept.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Dashboard_AsOperator_ShowsOccupancyChargerPowerRunningSessionsAndRevenueFromTheDatabaseAndEngine()
    {
        // Facts planted in PostgreSQL and the engine: one occupied regular space, one charger drawing 50 kW,
        // one paid invoice today, one running workflow at BOS.
        await using (var scope = api.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<EasyParkDbContext>();
            var space = await db.Spaces.Where(s => s.FacilityId == "BOS" && s.SpaceType == SpaceType.Regular).OrderBy(s => s.Label).FirstAsync();
            var parkingId = Guid.NewGuid();
            var now = DateTimeOffset.UtcNow;
            db.ParkingSessions.Add(new ParkingSession
            {
                Id = parkingId,
                WorkflowId = $"parking-{parkingId}",
                FacilityId = "BOS",
                Plate = "DASH1",
                SpaceType = SpaceType.Regular,
                SpaceId = space.Id,
                Status = ParkingSessionStatus.Active,
                EntryDeviceAt = now,
                EntryReceivedAt = now,
                CreatedAt = now,
                UpdatedAt = now,
            });
            space.Status = SpaceStatus.Occupied;
            space.ParkingSessionId = parkingId;
            var bosChargers = await db.Chargers.Include(c => c.Evses).Where(c => c.FacilityId == "BOS").OrderBy(c => c.StationId).ToListAsync();
            var charger = bosChargers[0];
            // A claim counts while renewed within the gateway's lease, by the gateway's clock (the api's).
            var claimed = api.Clock.GetUtcNow();
            // What the gateway records: who holds which station, connector states, and the budget's allocations.
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO gateway.device_owners (kind, device_id, instance_id, internal_url, claimed_at)
                VALUES ('station', {charger.StationId}, 'gw-1', 'http://gw-1', {claimed}), ('station', {bosChargers[1].StationId}, 'gw-1', 'http://gw-1', {claimed}),
                       ('station', {bosChargers[2].StationId}, 'gw-1', 'http://gw-1', {claimed});
                INSERT INTO gateway.connector_status (station_id, evse_id, connector_id, status, device_time, received_at)
                VALUES ({bosChargers[1].StationId}, 1, 1, 'Available', {now}, {now}), ({bosChargers[2].StationId}, 1, 1, 'Available', {now}, {now}),
                       ({bosChargers[2].StationId}, 2, 1, 'Faulted', {now}, {now});
                INSERT INTO gateway.power_allocations (facility_id, session_id, station_id, evse_id, requested_w, allocated_w, created_at)
                VALUES ('BOS', 'session-1', {charger.StationId}, 1, 150000, 150000, {now});
                """);
            var sessionId = Guid.NewGuid();
            db.ChargingSessions.Add(new ChargingSession
            {
                Id = sessionId,
                WorkflowId = $"charging-{sessionId}",
                ChargerId = charger.Id,
                EvseId = charger.Evses[0].Id,
                TransactionId = "tx-console-1",
                Status = ChargingSessionStatus.Active,
                StartedDeviceAt = now,
                StartedReceivedAt = now,
                MeterStartWh = 1_000_000,
                CreatedAt = now,
                UpdatedAt = now,
            });
            // The transaction's meter readings as the gateway stored them (already handed to their workflow): 4.2 kWh since the start, the last 2.5 kWh in 3 minutes = 50 kW.
            foreach (var (seqNo, minutesAgo, wh) in new[] { (0, 10, 1_000_000L), (1, 3, 1_001_700L), (2, 0, 1_004_200L) })
            {
                var at = now.AddMinutes(-minutesAgo);
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO gateway.transaction_events (station_id, transaction_id, seq_no, event_type, evse_id, device_time, trigger_reason,
                        charging_state, energy_wh, payload, received_at, next_attempt_at, delivered_at)
                    VALUES ({charger.StationId}, 'tx-console-1', {seqNo}, {(seqNo == 0 ? "Started" : "Updated")}, 1, {at}, 'MeterValuePeriodic',
                        'Charging', {wh}, {"{}"}::jsonb, {at}, {at}, {at})
                    """);
            }
            db.Invoices.Add(new Invoice
            {
                Id = Guid.NewGuid(),
                SourceWorkflowId = $"parking-{Guid.NewGuid()}",
                Kind = InvoiceKind.Parking,
                FacilityId = "BOS",
                Total = Money.FromCents(1234),
                Status = InvoiceStatus.Paid,
                IssuedAt = now,
                PaidAt = now,
                CreatedAt = now,
                UpdatedAt = now,
            });
            await db.SaveChangesAsync();
        }
        var workflowId = await StartStuckAsync("DASH" + Random.Shared.Next(1000, 9999));
        using var ops = await api.OperatorClientAsync();

        var board = await ops.GetFromJsonAsync<JsonElement>("api/v1/console/dashboard");

        Assert.Equal(400_000, board.GetProperty("powerBudgetW").GetInt64());
        var facilities = board.GetProperty("facilities").EnumerateArray().ToList();
        Assert.Equal(["BOS", "PHL"], facilities.Select(f => f.GetProperty("id").GetString()));
        var bos = facilities[0];
        var regular = bos.GetProperty("occupancy").EnumerateArray().Single(o => o.GetProperty("spaceType").GetString() == "Regular");
        Assert.Equal(40 - 6 - 2, regular.GetProperty("total").GetInt32());
        Assert.Equal(1, regular.GetProperty("occupied").GetInt32());
        Assert.Equal(40 - 6 - 2 - 1, regular.GetProperty("available").GetInt32());
        var chargers = bos.GetProperty("chargers").EnumerateArray().ToList();
        Assert.Equal(4, chargers.Count);
        Assert.Equal(["Charging", "Available", "Faulted", "Offline"], chargers.Select(c => c.GetProperty("state").GetString()));
        Assert.Equal((150_000, 50_000, 4_200L), (chargers[0].GetProperty("allocatedW").GetInt32(), chargers[0].GetProperty("powerW").GetInt32(),
            chargers[0].GetProperty("energyWh").GetInt64()));
        Assert.All(chargers.Skip(1), c => Assert.Equal(0, c.GetProperty("allocatedW").GetInt32()));
        Assert.Equal((150_000L, 50_000L), (bos.GetProperty("powerAllocatedW").GetInt64(), bos.GetProperty("powerInUseW").GetInt64()));
        Assert.Equal(1, bos.GetProperty("chargingSessionsActive").GetInt32());
        Assert.Equal(1, bos.GetProperty("parkingSessionsActive").GetInt32());
        Assert.Equal(0, facilities[1].GetProperty("parkingSessionsActive").GetInt32());
        Assert.Equal(1234, bos.GetProperty("revenueTodayCents").GetInt64());
        Assert.Equal(0, facilities[1].GetProperty("revenueTodayCents").GetInt64());
        var running = bos.GetProperty("runningWorkflows").EnumerateArray().Single(r => r.GetProperty("workflowType").GetString() == nameof(StuckAtExitWorkflow));
        Assert.True(running.GetProperty("running").GetInt32() >= 1, $"{workflowId} should count as running at BOS");
    }

    [Fact]
    public async Task Chargers_GatewayUp_ShowItsLiveState_OnlineStatusAndAllocatedPower()
    {
        var (driver, _) = await api.NewDriverAsync();
        using var _ = driver;
        await ChargerLiveStateTests.PlantAsync(api, driver);

        // Through the gateway's internal API (this fixture hosts the real gateway).
        var chargers = (await driver.GetFromJsonAsync<JsonElement>("api/v1/facilities/PHL/chargers")).EnumerateArray().ToList();

        chargers.Take(3).Select(c => c.GetProperty("online").GetBoolean()).Should().Equal(true, true, false);
        chargers.Take(2).Select(c => c.GetProperty("evses").EnumerateArray().First())
            .Select(e => (e.GetProperty("status").GetString(), e.GetProperty("allocatedW").GetInt32()))
            .Should().Equal(("Occupied", 120_000), ("Faulted", 0));
        chargers.Skip(2).SelectMany(c => c.GetProperty("evses").EnumerateArray()).Select(e => e.GetProperty("status").GetString())
            .Should().AllBe("Offline");
    }

    [Fact]
    public async Task SignalFromTheConsole_WritesAnAuditRow_WithWhoWhatAndReason()
    {
        var id = await StartStuckAsync("AUD" + Random.Shared.Next(1000, 9999));
        using var ops = await api.OperatorClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/workflows/{id}/signal")
        {
            Content = JsonContent.Create(new { signalName = "PaymentReceivedAtBooth", input = new { amountCents = 700, booth = "BOS-B2" }, reason = "cash at booth 2" }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());

        using var response = await ops.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await using var db = NpgsqlDataSource.Create(api.ConnectionString);
        await using var command = db.CreateCommand(
            "SELECT actor_email, action, detail->>'signalName', detail->>'reason', outcome, occurred_at FROM api.operator_audit WHERE workflow_id = $1");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no audit row");
        Assert.Equal(ApiFixture.OperatorEmail, reader.GetString(0));
        Assert.Equal("signal", reader.GetString(1));
        Assert.Equal("PaymentReceivedAtBooth", reader.GetString(2));
        Assert.Equal("cash at booth 2", reader.GetString(3));
        Assert.Equal("accepted", reader.GetString(4));
        Assert.True(reader.GetFieldValue<DateTimeOffset>(5) > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.False(await reader.ReadAsync(), "one signal, one audit row");
    }

    [Fact]
    public async Task ConsolePages_AreServedWithAStrictContentSecurityPolicy_AndNothingOutsideTheConsoleFolder()
    {
        using var anonymous = api.CreateClient();

        using var index = await anonymous.GetAsync("console/");
        using var script = await anonymous.GetAsync("console/app.js");
        using var traversal = await anonymous.GetAsync("console/..%2F..%2Fappsettings.json");
        using var hidden = await anonymous.GetAsync("console/.secret");
        using var missing = await anonymous.GetAsync("console/nope.js");

        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Contains("operator console", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var csp = string.Join(";", index.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        // Data reaches the page only as text: the scripts never assign markup.
        Assert.DoesNotContain("innerHTML", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, traversal.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private async Task<string> StartStuckAsync(string plate)
    {
        var id = $"stuck-{Guid.NewGuid():N}";
        // Counted at its facility from its start (the workflow upserts the same values when it first runs).
        await api.Temporal.StartWorkflowAsync((StuckAtExitWorkflow wf) => wf.RunAsync(plate), new WorkflowOptions(id, ApiWithTestWorkflowsFixture.TaskQueue)
        {
            TypedSearchAttributes = EasyParkSearchAttributes.Collection((EasyParkSearchAttributes.FacilityId, "BOS"), (EasyParkSearchAttributes.Plate, plate)),
        });
        return id;
    }
}
