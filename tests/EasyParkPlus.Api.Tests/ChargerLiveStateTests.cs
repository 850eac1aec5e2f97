using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using Npgsql;

namespace EasyParkPlus.Api.Tests;

/// <summary>The api with Gateway:BaseUrl set to a loopback port nothing listens on: the gateway is down.</summary>
public sealed class GatewayDownFixture : ApiFixture
{
    protected override IDictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        settings["Gateway:BaseUrl"] = $"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}/";
        settings["Gateway:InternalApiKey"] = InternalKey;
        return settings;
    }
}

/// <summary>Charger live state belongs to the gateway: the api asks its internal API and never reads the gateway's tables.</summary>
public sealed class ChargerLiveStateTests(GatewayDownFixture api) : IClassFixture<GatewayDownFixture>
{
    [Fact]
    public async Task Chargers_GatewayDown_ShowLiveStateUnknown_NotTheGatewaysTables()
    {
        var (driver, _) = await api.NewDriverAsync();
        using var _ = driver;
        using var ops = await api.OperatorClientAsync();
        var stations = await PlantAsync(api, driver);

        var chargers = (await driver.GetFromJsonAsync<JsonElement>("api/v1/facilities/PHL/chargers")).EnumerateArray().ToList();
        var board = await ops.GetFromJsonAsync<JsonElement>("api/v1/console/dashboard");

        // The rows say online, Occupied, 120 kW; only the gateway may say so, and it cannot be asked.
        chargers.Select(c => c.GetProperty("online").GetBoolean()).Should().AllBeEquivalentTo(false);
        chargers.SelectMany(c => c.GetProperty("evses").EnumerateArray()).Select(e => (e.GetProperty("status").GetString(), e.GetProperty("allocatedW").GetInt32()))
            .Should().AllBeEquivalentTo(("Unknown", 0));
        var phl = board.GetProperty("facilities").EnumerateArray().Single(f => f.GetProperty("id").GetString() == "PHL");
        phl.GetProperty("chargers").EnumerateArray().Where(c => stations.Contains(c.GetProperty("stationId").GetString()!))
            .Select(c => (c.GetProperty("state").GetString(), c.GetProperty("allocatedW").GetInt32()))
            .Should().Equal(("Unknown", 0), ("Unknown", 0));
    }

    /// <summary>
    /// What a gateway instance records when PHL's first charger is connected and charging under a 120 kW allocation and
    /// the second is connected but faulted; the rest never connected. Returns the two station ids.
    /// </summary>
    internal static async Task<string[]> PlantAsync(ApiFixture api, HttpClient driver)
    {
        var stations = (await driver.GetFromJsonAsync<JsonElement>("api/v1/facilities/PHL/chargers")).EnumerateArray()
            .Select(c => c.GetProperty("stationId").GetString()!).Take(2).ToArray();
        await using var db = NpgsqlDataSource.Create(api.ConnectionString);
        foreach (var sql in new[]
        {
            "INSERT INTO gateway.device_owners VALUES ('station', $1, 'gw-1', 'http://gw-1', $3), ('station', $2, 'gw-1', 'http://gw-1', $3)",
            "INSERT INTO gateway.connector_status VALUES ($1, 1, 1, 'Occupied', now(), now()), ($2, 1, 1, 'Faulted', now(), now())",
            "INSERT INTO gateway.power_allocations VALUES ('PHL', 'session-phl', $1, 1, 150000, 120000, now())",
        })
        {
            await using var insert = db.CreateCommand(sql);
            insert.Parameters.Add(new() { Value = stations[0] });
            insert.Parameters.Add(new() { Value = stations[1] });
            // Renewed just now by the api's (and hosted gateway's) clock.
            insert.Parameters.Add(new() { Value = api.Clock.GetUtcNow() });
            await insert.ExecuteNonQueryAsync();
        }
        return stations;
    }
}
