extern alias Gateway;

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using OcppCall = Gateway::EasyParkPlus.OcppGateway.Ocpp.OcppCall;
using OcppFraming = Gateway::EasyParkPlus.OcppGateway.Ocpp.OcppFraming;
using OcppOptions = Gateway::EasyParkPlus.OcppGateway.Ocpp.OcppOptions;
using OcppSchemas = Gateway::EasyParkPlus.OcppGateway.Ocpp.OcppSchemas;

namespace EasyParkPlus.Bench.Gateway;

/// <summary>
/// `ocpp-schema [--messages 20000] [--rounds 7]`: what checking a station's CALL against its official OCPP 2.0.1 schema
/// adds to reading it. Each round frames the same messages once without and once with the check (alternating which goes
/// first), in one process and one window, and the median round is reported per message and per action.
/// </summary>
internal static class OcppSchemaBenchmark
{
    private static readonly string T = "2026-12-07T18:00:00.000Z";

    // The messages a station sends most, as stations send them.
    private static readonly (string Action, string Payload)[] Messages =
    [
        ("Heartbeat", "{}"),
        ("StatusNotification", $$"""{"timestamp":"{{T}}","connectorStatus":"Occupied","evseId":1,"connectorId":1}"""),
        ("Authorize", """{"idToken":{"idToken":"04A2B3C4D5E6F7","type":"ISO14443"}}"""),
        ("TransactionEvent", $$$"""{"eventType":"Updated","timestamp":"{{{T}}}","triggerReason":"MeterValuePeriodic","seqNo":7,"transactionInfo":{"transactionId":"TX-BENCH-1","chargingState":"Charging"},"evse":{"id":1,"connectorId":1},"meterValue":[{"timestamp":"{{{T}}}","sampledValue":[{"value":12345.6,"measurand":"Energy.Active.Import.Register","unitOfMeasure":{"unit":"Wh"}},{"value":7200,"measurand":"Power.Active.Import","unitOfMeasure":{"unit":"W"}}]}]}"""),
        ("MeterValues", $$"""{"evseId":1,"meterValue":[{"timestamp":"{{T}}","sampledValue":[{"value":12345.6,"context":"Sample.Periodic"}]}]}"""),
        ("BootNotification", """{"reason":"PowerUp","chargingStation":{"model":"Terra AC","vendorName":"ABB","serialNumber":"SN-0001","firmwareVersion":"1.8.3"}}"""),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new Arguments(args);
        var count = arguments.Int("messages", 20_000);
        var rounds = arguments.Int("rounds", 7);
        var schemas = new OcppSchemas(Options.Create(new OcppOptions()));
        var frames = Messages.Select((m, i) => (m.Action, Bytes: Encoding.UTF8.GetBytes($"[2,\"b{i}\",\"{m.Action}\",{m.Payload}]"))).ToArray();
        Console.WriteLine($"# OCPP schema check ({Environment.ProcessorCount} cores, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, " +
            $"load average at start {Machine.Load()}, schemas from {schemas.Directory})");

        foreach (var (action, bytes) in frames)
        {
            // Every sample must pass, or the benchmark would time the error path.
            if (await schemas.CheckAsync(action, Call(bytes).Payload) is { } violation)
            {
                Console.Error.WriteLine($"{action} sample breaks its schema: {violation.ErrorCode} {violation.Description}");
                return 1;
            }
        }
        await TimeAsync(schemas, frames, count / 10, check: true);
        await TimeAsync(schemas, frames, count / 10, check: false);

        var plain = new List<double>();
        var checkedRounds = new List<double>();
        var perAction = frames.ToDictionary(f => f.Action, _ => new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            var first = round % 2 == 0;
            var a = await TimeAsync(schemas, frames, count, check: first);
            var b = await TimeAsync(schemas, frames, count, check: !first);
            plain.Add(first ? b : a);
            checkedRounds.Add(first ? a : b);
            foreach (var frame in frames)
            {
                var single = new[] { frame };
                perAction[frame.Action].Add(await TimeAsync(schemas, single, count / frames.Length, check: true)
                    - await TimeAsync(schemas, single, count / frames.Length, check: false));
            }
        }
        var without = Median(plain);
        var with = Median(checkedRounds);
        Console.WriteLine($"messages per round {count} (the {frames.Length} kinds in turn), rounds {rounds}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"parse only          {without,8:F1} µs/message"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"parse + schema      {with,8:F1} µs/message   (+{with - without:F1} µs, x{with / without:F1})"));
        foreach (var (action, costs) in perAction)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  schema check {action,-20} {Median(costs),8:F1} µs"));
        }
        Console.WriteLine($"# load average at the end {Machine.Load()}");
        return 0;
    }

    // Microseconds per message to frame (and check) `count` messages cycling through `frames`.
    private static async Task<double> TimeAsync(OcppSchemas schemas, (string Action, byte[] Bytes)[] frames, int count, bool check)
    {
        var failures = 0;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var (action, bytes) = frames[i % frames.Length];
            var call = Call(bytes);
            if (check && await schemas.CheckAsync(action, call.Payload) is not null)
            {
                failures++;
            }
        }
        watch.Stop();
        return failures > 0 ? throw new InvalidOperationException($"{failures} samples failed their schema")
            : watch.Elapsed.TotalMicroseconds / count;
    }

    private static OcppCall Call(byte[] bytes) =>
        OcppFraming.Parse(bytes) as OcppCall ?? throw new InvalidOperationException("A sample is not a CALL.");

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
