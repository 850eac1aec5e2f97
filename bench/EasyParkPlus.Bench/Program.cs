using EasyParkPlus.Bench.Gateway;
using EasyParkPlus.Bench.TemporalServer;

// The benchmark tool: measurements are made here, not in timed tests.
//   gateway  1,000 simulated OCPP stations on the built gateway: memory, TransactionEvent -> signal latency, drops
//   ocpp-schema  what checking a station CALL against its official OCPP 2.0.1 schema costs, per message
//   temporal  our Temporal-compatible server on PostgreSQL under official SDK clients and workers
//   temporal-worker  hosts an official-SDK worker process (used by the server's crash test and by hand)
return args.FirstOrDefault() switch
{
    "gateway" => await GatewayBenchmark.RunAsync(args[1..]),
    "ocpp-schema" => await OcppSchemaBenchmark.RunAsync(args[1..]),
    "temporal" => await TemporalServerBenchmark.RunAsync(args[1..]),
    "temporal-worker" => await TemporalWorkerProcess.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: EasyParkPlus.Bench gateway [options] | ocpp-schema [options] | temporal [options] | temporal-worker [options]   (see the README, Performance)");
    return 2;
}
