using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Api.Tests.Support;
using Npgsql;

namespace EasyParkPlus.Api.Tests;

public sealed class FacilityAndBillingTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Facilities_Spaces_Availability_FromSeededData()
    {
        var (driver, _) = await api.NewDriverAsync();
        using (driver)
        {
            var facilities = await driver.GetFromJsonAsync<JsonElement>("api/v1/facilities");
            Assert.Equal(["BOS", "PHL"], facilities.EnumerateArray().Select(f => f.GetProperty("id").GetString()));

            var evSpaces = await driver.GetFromJsonAsync<JsonElement>("api/v1/facilities/BOS/spaces?type=ev");
            Assert.Equal(6, evSpaces.GetArrayLength());

            // Put one EV space in maintenance straight in the database; availability (cache 2 s) reflects it
            // at the latest when the cache entry expires, so read it through a fresh facility (PHL) instead.
            await using (var db = NpgsqlDataSource.Create(api.ConnectionString))
            await using (var command = db.CreateCommand("UPDATE parking.spaces SET status = 'maintenance' WHERE id = (SELECT id FROM parking.spaces WHERE facility_id = 'PHL' AND space_type = 'ev' LIMIT 1)"))
            {
                Assert.Equal(1, await command.ExecuteNonQueryAsync());
            }
            var availability = await driver.GetFromJsonAsync<JsonElement>("api/v1/facilities/PHL/availability?type=ev");
            var ev = Assert.Single(availability.GetProperty("types").EnumerateArray());
            Assert.Equal(6, ev.GetProperty("total").GetInt32());
            Assert.Equal(5, ev.GetProperty("available").GetInt32());
            Assert.Equal(1, ev.GetProperty("maintenance").GetInt32());

            using var unknownType = await driver.GetAsync(new Uri("api/v1/facilities/BOS/availability?type=hovercraft", UriKind.Relative));
            using var unknownFacility = await driver.GetAsync(new Uri("api/v1/facilities/NOPE/availability", UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, unknownType.StatusCode);
            Assert.Contains("type", await unknownType.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, unknownFacility.StatusCode);
        }
    }

    [Fact]
    public async Task Pricing_EvSpace_IncludesChargingTariff()
    {
        var (driver, _) = await api.NewDriverAsync();
        using (driver)
        {
            var ev = await driver.GetFromJsonAsync<JsonElement>("api/v1/pricing?facilityId=BOS&spaceType=ev");
            var regular = await driver.GetFromJsonAsync<JsonElement>("api/v1/pricing?facilityId=BOS&spaceType=regular");

            Assert.Equal(400, ev.GetProperty("hourlyRateCents").GetInt64());
            Assert.Equal(35, ev.GetProperty("charging").GetProperty("energyPerKwhCents").GetInt64());
            Assert.Equal(500, regular.GetProperty("hourlyRateCents").GetInt64());
            Assert.Equal(JsonValueKind.Null, regular.GetProperty("charging").ValueKind);
        }
    }

    [Fact]
    public async Task Invoices_DriverSeesOnlyOwn_OperatorSeesAll_AndAnalyticsExportIsQuickBooksCsv()
    {
        var (alice, aliceEmail) = await api.NewDriverAsync("=HYPERLINK(\"x\")");
        var (bob, _) = await api.NewDriverAsync("Bob");
        using var ops = await api.OperatorClientAsync();
        using (alice)
        using (bob)
        {
            var aliceId = (await alice.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();
            var invoiceId = Guid.NewGuid();
            var paidAt = DateTimeOffset.UtcNow.AddMinutes(-30);
            // What the billing activities write when a session is paid (they live on the parking branch).
            await using (var db = NpgsqlDataSource.Create(api.ConnectionString))
            {
                await using var insert = db.CreateCommand($"""
                    INSERT INTO billing.invoices (id, source_workflow_id, kind, reference, customer_id, facility_id, total_cents, status, issued_at, paid_at)
                    VALUES ('{invoiceId}', 'parking-{invoiceId}', 'parking', '', '{aliceId}', 'BOS', 1100, 'paid', '{paidAt:O}', '{paidAt:O}');
                    INSERT INTO billing.invoice_line_items (invoice_id, position, code, description, quantity, unit, unit_price_cents, amount_cents)
                    VALUES ('{invoiceId}', 1, 'PARKING_FIRST_HOURS', 'First 3 hours, parking', 3, 'h', 300, 900),
                           ('{invoiceId}', 2, 'PARKING_HOURS', 'Further hours, parking', 1, 'h', 200, 200);
                    INSERT INTO billing.receipts (id, invoice_id, total_cents, issued_at) VALUES ('{Guid.NewGuid()}', '{invoiceId}', 1100, '{paidAt:O}');
                    """);
                await insert.ExecuteNonQueryAsync();
            }

            var own = await alice.GetFromJsonAsync<JsonElement>("api/v1/invoices");
            var others = await bob.GetFromJsonAsync<JsonElement>("api/v1/invoices");
            using var bobReads = await bob.GetAsync(new Uri($"api/v1/invoices/{invoiceId}", UriKind.Relative));
            var receipt = await alice.GetFromJsonAsync<JsonElement>($"api/v1/invoices/{invoiceId}/receipt");
            var opsView = await ops.GetFromJsonAsync<JsonElement>($"api/v1/invoices/{invoiceId}");

            Assert.Equal(invoiceId, Assert.Single(own.EnumerateArray()).GetProperty("id").GetGuid());
            Assert.Equal(0, others.GetArrayLength());
            Assert.Equal(HttpStatusCode.NotFound, bobReads.StatusCode);
            Assert.Equal(1100, receipt.GetProperty("totalCents").GetInt64());
            Assert.True(receipt.GetProperty("number").GetInt64() > 0);
            Assert.Equal(2, opsView.GetProperty("lines").GetArrayLength());

            var revenue = await ops.GetFromJsonAsync<JsonElement>("api/v1/analytics/revenue?facilityId=BOS");
            Assert.Equal(1100, revenue.GetProperty("totalCents").GetInt64());

            using var export = await ops.GetAsync(new Uri("api/v1/analytics/export?format=csv&facilityId=BOS", UriKind.Relative));
            Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
            var lines = (await export.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("InvoiceNo,Customer,InvoiceDate,DueDate,", lines[0], StringComparison.Ordinal);
            Assert.Equal(3, lines.Length);
            // The invoice date is the day at the facility (Boston), which differs from the UTC day every evening.
            Assert.Contains($",{FacilityTime.LocalDate(paidAt, FacilityTime.Zone("America/New_York")):MM/dd/yyyy},", lines[1], StringComparison.Ordinal);
            Assert.Contains(",PARKING_FIRST_HOURS,", lines[1], StringComparison.Ordinal);
            Assert.Contains(",3,3.00,9.00,", lines[1], StringComparison.Ordinal);
            // The customer's name starts with '=': neutralised so a spreadsheet does not run it.
            Assert.Contains("\"'=HYPERLINK(\"\"x\"\")\"", lines[1], StringComparison.Ordinal);
            Assert.DoesNotContain(aliceEmail, lines[1], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Occupancy_CountsEntriesAndExitsPerHour()
    {
        using var ops = await api.OperatorClientAsync();
        var now = DateTimeOffset.UtcNow;
        await using (var db = NpgsqlDataSource.Create(api.ConnectionString))
        {
            await using var insert = db.CreateCommand("""
                INSERT INTO analytics.occupancy_events (facility_id, space_type, parking_session_id, kind, occurred_at)
                VALUES ('PHL', 'regular', $1, 'occupied', $3), ('PHL', 'regular', $2, 'occupied', $3), ('PHL', 'regular', $1, 'vacated', $4)
                """);
            insert.Parameters.Add(new() { Value = Guid.NewGuid() });
            insert.Parameters.Add(new() { Value = Guid.NewGuid() });
            insert.Parameters.Add(new() { Value = now.AddHours(-2) });
            insert.Parameters.Add(new() { Value = now.AddMinutes(-1) });
            await insert.ExecuteNonQueryAsync();
        }

        var day = await ops.GetFromJsonAsync<JsonElement>("api/v1/analytics/occupancy?facilityId=PHL&period=day");
        var buckets = day.GetProperty("buckets").EnumerateArray().ToList();

        Assert.Equal(24, buckets.Count);
        Assert.Equal(2, buckets.Sum(b => b.GetProperty("entries").GetInt32()));
        Assert.Equal(1, buckets[^1].GetProperty("occupiedAtEnd").GetInt32());
        Assert.Equal(40, day.GetProperty("capacity").GetInt32());
        using var badPeriod = await ops.GetAsync(new Uri("api/v1/analytics/occupancy?facilityId=PHL&period=fortnight", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badPeriod.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_ListsEndpoints_AndDocsPageServes()
    {
        using var client = api.CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("openapi/v1.json");
        using var docs = await client.GetAsync(new Uri("docs/index.html", UriKind.Relative));

        Assert.True(document.GetProperty("paths").TryGetProperty("/api/v1/auth/login", out _));
        Assert.True(document.GetProperty("paths").TryGetProperty("/api/v1/workflows/{workflowId}/signal", out _));
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
    }
}
