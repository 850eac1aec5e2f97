using System.Globalization;

namespace EasyParkPlus.Bench;

/// <summary>"--name value" pairs, with the connection string defaulting to EASYPARK_POSTGRES.</summary>
internal sealed class Arguments(string[] args)
{
    private readonly Dictionary<string, string> _values = Parse(args);

    public string ConnectionString => _values.TryGetValue("connection", out var given) ? given
        : Environment.GetEnvironmentVariable("EASYPARK_POSTGRES") ?? throw new InvalidOperationException("Give --connection or set EASYPARK_POSTGRES.");

    public string Text(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public TimeSpan Seconds(string name, double fallback) => TimeSpan.FromSeconds(_values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback);

    public bool Flag(string name) => _values.ContainsKey(name);

    private static Dictionary<string, string> Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument {args[i]}");
            }
            var name = args[i][2..];
            values[name] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }
        return values;
    }
}
