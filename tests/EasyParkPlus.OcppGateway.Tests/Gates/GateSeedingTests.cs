using System.Net.WebSockets;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.OcppGateway.Gates;
using EasyParkPlus.TestSupport;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Tests.Gates;

public sealed class GateSeedingTests
{
    [Fact]
    public async Task Development_SeedsEntryAndExitGatesPerFacility_WithHashedConfiguredPassword()
    {
        const string password = "dev-gate-password-from-config";
        var connectionString = await TestPostgres.CreateDatabaseAsync("gateseed");
        try
        {
            await EasyParkDatabase.MigrateAsync(connectionString);
            await EasyParkSeeder.SeedAsync(connectionString, new SeedOptions
            {
                LevelsPerFacility = 1,
                SpacesPerFacility = 2,
                EvSpacesPerFacility = 0,
                AccessibleSpacesPerFacility = 0,
                ChargersPerFacility = 0,
            });
            await using var host = await GatewayHost.StartAsync(connectionString, environment: "Development",
                settings: new Dictionary<string, string?> { ["Gates:DevelopmentPassword"] = password });

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var command = dataSource.CreateCommand("SELECT id, facility_id, lane, secret_hash FROM gates.gates ORDER BY id");
            await using var reader = await command.ExecuteReaderAsync();
            var gates = new List<(string, string, string)>();
            while (await reader.ReadAsync())
            {
                gates.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
                Assert.DoesNotContain(password, reader.GetString(3), StringComparison.Ordinal);
            }
            Assert.Equal(
                [("BOS-GATE-IN-01", "BOS", "entry"), ("BOS-GATE-OUT-01", "BOS", "exit"), ("PHL-GATE-IN-01", "PHL", "entry"), ("PHL-GATE-OUT-01", "PHL", "exit")],
                gates);
            Assert.Equal([.. gates.Select(g => g.Item1)], GateSeeder.DevelopmentGates.Select(g => g.Id));

            await using var gate = await host.ConnectGateAsync("PHL-GATE-OUT-01", password);
            Assert.Equal(WebSocketState.Open, gate.Socket.State);
            var ack = await gate.ReportAsync("seeded-1", "exit", "PHL 1", GatewayHost.Start);
            Assert.Equal("ack", ack.GetProperty("type").GetString());
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }
}
