using System.Globalization;
using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Http;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Cli;

/// <summary>How the server runs, from its command line.</summary>
public sealed record ServerOptions
{
    public int Port { get; init; } = 7233;
    public string Ip { get; init; } = "127.0.0.1";

    /// <summary>Virtual time that skips ahead (the test server); otherwise the wall clock (the dev server).</summary>
    public bool TimeSkipping { get; init; }

    public IReadOnlyList<string> Namespaces { get; init; } = ["default"];
    public IReadOnlyDictionary<string, IndexedValueType> SearchAttributes { get; init; } = new Dictionary<string, IndexedValueType>();
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;
    public bool JsonLogs { get; init; }
    public int? UiPort { get; init; }
    public bool Headless { get; init; }
    public string? DatabaseFile { get; init; }
    public IReadOnlyDictionary<string, string> DynamicConfig { get; init; } = new Dictionary<string, string>();

    /// <summary>Which store: PostgreSQL when a connection string is configured (<see cref="StoreKind.Auto"/>), or as named.</summary>
    public StoreKind Store { get; init; }

    /// <summary>The PostgreSQL store's database (<c>--postgres</c>, or configuration <c>TemporalServer:Postgres</c>).</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>
    /// With PostgreSQL: how often a process looks for tasks other processes queued for its waiting pollers, in case a
    /// NOTIFY was lost (configuration <c>TemporalServer:QueuePollFallbackMs</c>).
    /// </summary>
    public TimeSpan QueuePollFallback { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Arguments that were not understood (the server starts anyway and warns about each).</summary>
    public IReadOnlyList<string> Ignored { get; init; } = [];

    /// <summary>
    /// The Web UI as Temporal's CLI places it: on <c>--ui-port</c>, else the gRPC port + 1000 (8233 beside 7233), on the
    /// same address; none with <c>--headless</c> or for the time-skipping test server.
    /// </summary>
    public WebUiOptions? WebUi => TimeSkipping || Headless ? null : new WebUiOptions
    {
        Ip = Ip,
        Port = UiPort ?? (Port == 0 ? 0 : Port + WebUiPortOffset),
        DefaultNamespace = Namespaces[0],
    };

    internal const int WebUiPortOffset = 1000;
}

public enum StoreKind
{
    Auto,
    Memory,
    Postgres,
}

/// <summary>
/// Parses the two command lines the SDK's test helpers use: Temporal CLI's <c>server start-dev --port N --namespace NS
/// [--ip ...] [--db-filename ...] [--ui-port ...] [--headless] [--log-format ...] [--log-level ...]
/// [--dynamic-config-value K=V] [--search-attribute K=Type]</c> (a dev server on the wall clock), and the Java test
/// server's lone <c>&lt;port&gt;</c> (a time-skipping server that starts with time skipping locked). Unknown flags are
/// tolerated (the CLI's flag set grows) and reported back.
/// </summary>
public static class ServerCommandLine
{
    public const string Usage = """
        usage: EasyParkPlus.TemporalServer server start-dev [--port N] [--namespace NS]... [--ip IP] [--log-level L]
                   [--log-format pretty|json] [--dynamic-config-value K=V]... [--search-attribute Name=Type]...
                   [--ui-port N] [--headless] [--db-filename F] [--store memory|postgres] [--postgres CONNECTION-STRING]
               EasyParkPlus.TemporalServer <port>        (time-skipping test server)
        """;

    /// <exception cref="FormatException">The command line is not one of the two forms, or a value is invalid.</exception>
    public static ServerOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count >= 1 && int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var testPort))
        {
            return new ServerOptions { Port = CheckPort(testPort), TimeSkipping = true, Ignored = [.. args.Skip(1)] };
        }
        if (args.Count < 2 || args[0] != "server" || args[1] != "start-dev")
        {
            throw new FormatException("expected 'server start-dev ...' or a port number");
        }
        var options = new ServerOptions();
        var namespaces = new List<string>();
        var searchAttributes = new Dictionary<string, IndexedValueType>(StringComparer.Ordinal);
        var dynamicConfig = new Dictionary<string, string>(StringComparer.Ordinal);
        var ignored = new List<string>();
        for (var i = 2; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-'))
            {
                ignored.Add(arg);
                continue;
            }
            var (flag, inline) = arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }
                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"{flag} needs a value");
                }
                return args[++i];
            }
            switch (flag)
            {
                case "--port" or "-p":
                    options = options with { Port = CheckPort(ParseInt(Value(), flag)) };
                    break;
                case "--namespace" or "-n":
                    namespaces.Add(Value());
                    break;
                case "--ip":
                    options = options with { Ip = Value() };
                    break;
                case "--db-filename" or "-f":
                    options = options with { DatabaseFile = Value() };
                    break;
                case "--store":
                    options = options with
                    {
                        Store = Value() switch
                        {
                            "memory" => StoreKind.Memory,
                            "postgres" => StoreKind.Postgres,
                            var other => throw new FormatException($"--store: '{other}' is not memory or postgres"),
                        },
                    };
                    break;
                case "--postgres":
                    options = options with { PostgresConnectionString = Value() };
                    break;
                case "--ui-port":
                    options = options with { UiPort = CheckPort(ParseInt(Value(), flag)) };
                    break;
                case "--headless":
                    options = options with { Headless = inline is null || bool.Parse(inline) };
                    break;
                case "--log-format":
                    options = options with { JsonLogs = Value() == "json" };
                    break;
                case "--log-level":
                    options = options with { LogLevel = ParseLogLevel(Value()) };
                    break;
                case "--dynamic-config-value":
                    var (key, value) = Pair(Value(), flag);
                    dynamicConfig[key] = value;
                    break;
                case "--search-attribute":
                    var (name, type) = Pair(Value(), flag);
                    searchAttributes[name] = SearchAttributeValues.ParseTypeName(type) ?? throw new FormatException($"unknown search attribute type {type}");
                    break;
                default:
                    // An unknown flag: take the next token as its value unless it is a flag itself.
                    ignored.Add(arg);
                    if (inline is null && i + 1 < args.Count && !args[i + 1].StartsWith('-'))
                    {
                        ignored.Add(args[++i]);
                    }
                    break;
            }
        }
        if (!options.Headless && options.UiPort is null && options.Port + ServerOptions.WebUiPortOffset > 65535)
        {
            throw new FormatException($"--port {options.Port} leaves no room for the Web UI at port + {ServerOptions.WebUiPortOffset}: give --ui-port or --headless");
        }
        return options with
        {
            Namespaces = namespaces.Count == 0 ? ["default"] : namespaces,
            SearchAttributes = searchAttributes,
            DynamicConfig = dynamicConfig,
            Ignored = ignored,
        };
    }

    private static int ParseInt(string value, string flag) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"{flag}: '{value}' is not a number");

    private static int CheckPort(int port) => port is >= 0 and <= 65535 ? port : throw new FormatException($"port {port} is out of range");

    private static (string, string) Pair(string value, string flag) =>
        value.IndexOf('=', StringComparison.Ordinal) is var eq and > 0 ? (value[..eq], value[(eq + 1)..]) : throw new FormatException($"{flag} takes KEY=VALUE, not '{value}'");

    private static LogLevel ParseLogLevel(string value) => value.ToUpperInvariant() switch
    {
        "DEBUG" => LogLevel.Debug,
        "INFO" => LogLevel.Information,
        "WARN" or "WARNING" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "FATAL" or "NEVER" => LogLevel.Critical,
        _ => throw new FormatException($"unknown log level {value}"),
    };
}
