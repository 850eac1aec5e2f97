extern alias Gateway;

using System.Diagnostics;
using System.Globalization;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Seeding;
using Npgsql;
using OcppEndpoints = Gateway::EasyParkPlus.OcppGateway.Ocpp.OcppEndpoints;

namespace EasyParkPlus.Bench.Gateway;

/// <summary>
/// `gateway [--stations 1000] [--duration 120] [--heartbeat 30] [--meter 10] [--connect-concurrency 8] [--warmup 100] [--meter-values]`:
/// holds that many simulated OCPP 2.0.1 stations on the built gateway (its own process, production workflow routing)
/// and reports the gateway's memory, CALL round trips, and the latency from each TransactionEvent sent to its signal
/// committed in the workflow's history in PostgreSQL, with every event checked off against that history.
/// </summary>
internal static class GatewayBenchmark
{
    private const string Password = "EasyPark-bench-station-2026!";

    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new Arguments(args);
        var stations = arguments.Int("stations", 1_000);
        var duration = arguments.Seconds("duration", 120);
        var heartbeat = arguments.Seconds("heartbeat", 30);
        var meter = arguments.Seconds("meter", 10);
        var connectConcurrency = arguments.Int("connect-concurrency", 8);
        var connection = arguments.ConnectionString;
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var ct = cancel.Token;

        await using var dataSource = NpgsqlDataSource.Create(connection);
        var commitTimes = await ScalarAsync<string>(dataSource, "SELECT current_setting('track_commit_timestamp')", ct) == "on";
        Console.WriteLine($"# OCPP gateway benchmark ({Environment.ProcessorCount} cores, {await ScalarAsync<string>(dataSource,
            "SELECT 'PostgreSQL ' || current_setting('server_version') || ', fsync ' || current_setting('fsync')", ct)}, " +
            $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, load average at start {Machine.Load()})");
        var stationIds = await PrepareDatabaseAsync(dataSource, stations, ct);

        var dll = arguments.Text("gateway-dll", Machine.BuiltFile("ocpp-gateway", "EasyParkPlus.OcppGateway", "EasyParkPlus.OcppGateway.dll"));
        // Npgsql prepares the gateway's hot statements (the same setting the engine benchmark uses); a deployment sets it
        // in its connection string the same way.
        var gatewayConnection = new NpgsqlConnectionStringBuilder(connection) { MaxAutoPrepare = 64, AutoPrepareMinUsages = 2 }.ConnectionString;
        await using var gateway = await GatewayProcess.StartAsync(dll, gatewayConnection, new Dictionary<string, string>
        {
            ["Ocpp__HeartbeatIntervalSeconds"] = ((int)heartbeat.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        }, ct);
        var idle = gateway.Memory();
        Console.WriteLine($"gateway pid {gateway.Pid} at {gateway.Url} (log {gateway.LogPath}); resident after start-up {idle.RssKiB / 1024.0:0} MiB");

        // ---------------------------------------------------------------- connect and boot
        var stats = new StationStats();
        var socketUrl = new UriBuilder(gateway.Url) { Scheme = "ws" }.Uri;
        var plan = new StationPlan(socketUrl, Password, duration, heartbeat, meter, TimeSpan.FromSeconds(30), arguments.Flag("meter-values"));
        var ramp = Stopwatch.StartNew();
        var connected = new SimulatedStation?[stationIds.Count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, connectConcurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < stationIds.Count)
            {
                var station = new SimulatedStation(stationIds[i], i, stationIds.Count, plan, stats);
                if (await station.ConnectAsync(ct))
                {
                    connected[i] = station;
                }
            }
        }));
        ramp.Stop();
        var online = connected.Count(s => s is not null);
        var afterRamp = gateway.Memory();
        Console.WriteLine($"connected and booted {online} of {stationIds.Count} stations in {ramp.Elapsed.TotalSeconds:0.0} s " +
            $"({connectConcurrency} at a time; each login is a PBKDF2 check); gateway resident {afterRamp.RssKiB / 1024.0:0} MiB");

        // ---------------------------------------------------------------- warm-up, then the load
        var warmUp = connected.OfType<SimulatedStation>().Take(arguments.Int("warmup", 100)).ToList();
        await Task.WhenAll(warmUp.Select(station => station.WarmUpAsync(ct)));
        await DrainAsync(dataSource, TimeSpan.FromSeconds(60), ct);
        // The load starts once every station is connected.
        var loadStart = DateTimeOffset.UtcNow.AddSeconds(1);
        var cpuBefore = gateway.CpuTime();
        var sentBefore = stats.Sent;
        var rssSamples = new List<long>();
        using var stopSampling = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                rssSamples.Add(gateway.Memory().RssKiB);
                await Task.Delay(1000, stopSampling.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }, ct);
        var loaded = Stopwatch.StartNew();
        await Task.WhenAll(connected.OfType<SimulatedStation>().Select(station => station.RunAsync(loadStart, ct)));
        loaded.Stop();
        await stopSampling.CancelAsync();
        await sampling;
        var loadedMemory = gateway.Memory();
        var cpu = gateway.CpuTime() - cpuBefore;
        var sentDuringLoad = stats.Sent - sentBefore;

        // ---------------------------------------------------------------- drain and check against the history
        var drain = Stopwatch.StartNew();
        var pending = await DrainAsync(dataSource, TimeSpan.FromSeconds(120), ct);
        drain.Stop();
        await Task.WhenAll(connected.OfType<SimulatedStation>().Select(station => station.DisposeAsync().AsTask()));
        var signals = await SignalsAsync(dataSource, commitTimes, ct);

        // ---------------------------------------------------------------- report
        var loadEvents = stats.TransactionEvents.Values.Count(e => !e.WarmUp);
        Console.WriteLine($"load: {online} stations for {loaded.Elapsed.TotalSeconds:0.0} s (heartbeat every {heartbeat.TotalSeconds:0} s, TransactionEvent Updated with " +
            $"meter values every {meter.TotalSeconds:0} s{(plan.MeterValuesMessages ? " plus MeterValues" : "")}): {sentDuringLoad} CALLs = " +
            $"{sentDuringLoad / loaded.Elapsed.TotalSeconds:0.0} msg/s, of which {loadEvents} TransactionEvents = " +
            $"{loadEvents / loaded.Elapsed.TotalSeconds:0.0}/s");
        Console.WriteLine($"gateway memory with {online} connected: resident {loadedMemory.RssKiB / 1024.0:0} MiB at the end of the load " +
            $"(max sampled {(rssSamples.Count > 0 ? rssSamples.Max() : 0) / 1024.0:0} MiB, VmHWM {loadedMemory.PeakKiB / 1024.0:0} MiB; {idle.RssKiB / 1024.0:0} MiB idle); " +
            $"gateway CPU {cpu.TotalSeconds / loaded.Elapsed.TotalSeconds * 100:0} % of one core during the load");
        foreach (var (action, times) in stats.RoundTrips.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var list = times.ToList();
            Console.WriteLine($"CALL round trip {action}: {list.Count} calls, p50 {Statistics.Percentile(list, 0.50):0.00} ms, p99 {Statistics.Percentile(list, 0.99):0.00} ms, max {list.Max():0.00} ms");
        }
        Console.WriteLine($"CALLs: {stats.Sent} sent, {stats.Answered} answered with a CALLRESULT, {stats.CallErrors.Values.Sum()} not " +
            $"({(stats.CallErrors.IsEmpty ? "none" : string.Join(", ", stats.CallErrors.Select(p => $"{p.Key}: {p.Value}")))}); " +
            $"{stats.TimedOut} timed out; {stats.ConnectFailures} failed logins; {stats.Disconnects} unexpected disconnects; " +
            $"CALLs from the gateway: {(stats.IncomingCalls.IsEmpty ? "none" : string.Join(", ", stats.IncomingCalls.Select(p => $"{p.Key} {p.Value}")))}");

        var sent = stats.TransactionEvents;
        var accepted = sent.Where(p => p.Value.Accepted).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var missing = accepted.Keys.Count(id => !signals.ContainsKey(id));
        var duplicates = signals.Count(p => p.Value.Count > 1);
        var unexpected = signals.Keys.Count(id => !sent.ContainsKey(id));
        var latencies = accepted.Where(p => signals.ContainsKey(p.Key))
            .Select(p => (EventType: p.Value.WarmUp ? "warm-up" : p.Value.EventType, Ms: (signals[p.Key].CommittedAt - p.Value.SentAt).TotalMilliseconds)).ToList();
        var warmUpLatencies = latencies.Where(l => l.EventType == "warm-up").ToList();
        latencies = [.. latencies.Where(l => l.EventType != "warm-up")];
        Console.WriteLine($"TransactionEvents: {sent.Count} sent, {accepted.Count} acknowledged, {signals.Count(p => sent.ContainsKey(p.Key))} found as workflow signals; " +
            $"missing {missing}, duplicated {duplicates}, signals nobody sent {unexpected}; outbox left undelivered {pending} (drained {drain.Elapsed.TotalSeconds:0.0} s after the load)");
        var clock = commitTimes ? "commit time of the signal's history row (track_commit_timestamp)" : "event_time of the signal's history row (the gateway's clock before commit; track_commit_timestamp is off)";
        Console.WriteLine($"TransactionEvent sent -> workflow signal committed ({clock}):");
        foreach (var group in latencies.GroupBy(l => l.EventType).Prepend(latencies.GroupBy(_ => "all").Single()))
        {
            var list = group.Select(l => l.Ms).ToList();
            Console.WriteLine($"  {group.Key,-8} {list.Count,6} events: p50 {Statistics.Percentile(list, 0.50):0.0} ms, p95 {Statistics.Percentile(list, 0.95):0.0} ms, " +
                $"p99 {Statistics.Percentile(list, 0.99):0.0} ms, max {list.Max():0.0} ms");
        }
        if (warmUpLatencies.Count > 0)
        {
            var list = warmUpLatencies.Select(l => l.Ms).ToList();
            Console.WriteLine($"  (not counted above: {list.Count} warm-up events, one short transaction of each of {warmUp.Count} stations at once before the load, " +
                $"the gateway's first: p50 {Statistics.Percentile(list, 0.50):0.0} ms, max {list.Max():0.0} ms)");
        }
        var p99 = Statistics.Percentile([.. latencies.Select(l => l.Ms)], 0.99);
        var dropped = stats.Sent - stats.Answered + missing + duplicates;
        Console.WriteLine($"target p99 < 100 ms and no dropped message: {(p99 < 100 && dropped == 0 ? "met" : "NOT met")} (p99 {p99:0.0} ms, {dropped} dropped, duplicated or unanswered); " +
            $"load average at the end {Machine.Load()}");
        return 0;
    }

    // Migrates and seeds the launch facilities, adds bench chargers up to the station count (one EVSE and connector
    // each, alternating between the facilities) and gives every charger the bench password.
    private static async Task<IReadOnlyList<string>> PrepareDatabaseAsync(NpgsqlDataSource dataSource, int stations, CancellationToken ct)
    {
        await EasyParkDatabase.MigrateAsync(dataSource, cancellationToken: ct);
        await EasyParkSeeder.SeedAsync(dataSource, new SeedOptions(), cancellationToken: ct);
        var facilities = EasyParkSeeder.Facilities.Select(f => f.Code).ToArray();
        var existing = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM charging.chargers", ct);
        var extra = Enumerable.Range(1, Math.Max(0, stations - (int)existing))
            .Select(n => (Facility: facilities[n % facilities.Length], Station: string.Create(CultureInfo.InvariantCulture, $"{facilities[n % facilities.Length]}-BENCH-{n:0000}")))
            .ToArray();
        await using (var batch = dataSource.CreateBatch())
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO charging.chargers (station_id, facility_id, max_power_w)
                SELECT s, f, 150000 FROM unnest($1::text[], $2::text[]) AS t (s, f) ON CONFLICT (station_id) DO NOTHING
                """) { Parameters = { new() { Value = extra.Select(e => e.Station).ToArray() }, new() { Value = extra.Select(e => e.Facility).ToArray() } } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO charging.evses (charger_id, evse_number, max_power_w) SELECT id, 1, max_power_w FROM charging.chargers
                ON CONFLICT (charger_id, evse_number) DO NOTHING
                """));
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
                INSERT INTO charging.connectors (evse_id, connector_number, connector_type) SELECT id, 1, '{EasyParkSeeder.ConnectorType}' FROM charging.evses
                ON CONFLICT (evse_id, connector_number) DO NOTHING
                """));
            // PasswordHasher's hash does not depend on the user name, so one hash serves every bench station;
            // each login still verifies it at full cost.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO gateway.station_credentials (station_id, secret_hash) SELECT station_id, $1 FROM charging.chargers
                ON CONFLICT (station_id) DO UPDATE SET secret_hash = excluded.secret_hash, revoked_at = NULL
                """) { Parameters = { new() { Value = OcppEndpoints.HashPassword("bench", Password) } } });
            await batch.ExecuteNonQueryAsync(ct);
        }
        await using var command = dataSource.CreateCommand("SELECT station_id FROM charging.chargers ORDER BY station_id LIMIT $1");
        command.Parameters.Add(new() { Value = stations });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var ids = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    private sealed record Signal(int Count, DateTimeOffset CommittedAt);

    // Every signal in the engine's history, by its request id (the event's station/transaction/seqNo), with the
    // commit time of its first appearance.
    private static async Task<Dictionary<string, Signal>> SignalsAsync(NpgsqlDataSource dataSource, bool commitTimes, CancellationToken ct)
    {
        var time = commitTimes ? "pg_xact_commit_timestamp(h.xmin)" : "h.event_time";
        await using var command = dataSource.CreateCommand($"""
            SELECT h.attributes->>'requestId', count(*), min({time})
            FROM engine.history h WHERE h.event_type = 'WorkflowExecutionSignaled' AND h.attributes->>'requestId' IS NOT NULL
            GROUP BY 1
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var signals = new Dictionary<string, Signal>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            signals[reader.GetString(0)] = new Signal((int)reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2));
        }
        return signals;
    }

    // Waits until the gateway's outbox has delivered every stored TransactionEvent; returns how many are left.
    private static async Task<long> DrainAsync(NpgsqlDataSource dataSource, TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        long pending;
        while ((pending = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM gateway.transaction_events WHERE delivered_at IS NULL", ct)) > 0
            && clock.Elapsed < limit)
        {
            await Task.Delay(250, ct);
        }
        return pending;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }
}
