using System.Globalization;
using System.Text.RegularExpressions;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>The literal forms a filter accepts for times, durations and execution statuses, as Temporal accepts them.</summary>
internal static partial class VisibilityLiterals
{
    private static readonly Dictionary<string, WorkflowExecutionStatus> StatusNames = BuildStatusNames();

    /// <summary>RFC 3339 with an offset or Z, fractional seconds up to nanoseconds (kept to microseconds).</summary>
    public static DateTimeOffset? ParseTime(string text)
    {
        var match = Rfc3339().Match(text);
        if (!match.Success)
        {
            return null;
        }
        try
        {
            int Part(string name) => int.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture);
            var offset = match.Groups["zone"].Value is "Z" or "z"
                ? TimeSpan.Zero
                : new TimeSpan(Part("oh"), Part("om"), 0) * (match.Groups["sign"].Value == "-" ? -1 : 1);
            var fraction = match.Groups["fraction"].Value;
            var ticks = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(9, '0')[..7], CultureInfo.InvariantCulture);
            var time = new DateTimeOffset(Part("y"), Part("mo"), Part("d"), Part("h"), Part("mi"), Part("s"), offset).AddTicks(ticks);
            return VisibilityTime.Truncate(time);
        }
        catch (ArgumentException)
        {
            return null; // a field out of range: month 13, hour 25, offset beyond ±14 h, ...
        }
    }

    /// <summary>Nanoseconds since the Unix epoch, as Temporal accepts an integer for a Datetime attribute.</summary>
    public static DateTimeOffset? FromUnixNanoseconds(long nanoseconds)
    {
        var ticks = nanoseconds / 100;
        return ticks > DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks
            || ticks < DateTimeOffset.MinValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks
            ? null
            : VisibilityTime.Truncate(DateTimeOffset.UnixEpoch.AddTicks(ticks));
    }

    /// <summary>
    /// An ExecutionDuration in nanoseconds: an integer of nanoseconds, a Go duration with Temporal's
    /// "d" for 24 hours ("300ms", "1.5h", "2h45m", "1d"), or "hh:mm:ss".
    /// </summary>
    public static long? ParseDuration(string text)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var nanoseconds))
        {
            return nanoseconds;
        }
        var clock = Clock().Match(text);
        if (clock.Success)
        {
            if (!decimal.TryParse(clock.Groups["h"].Value, CultureInfo.InvariantCulture, out var hours))
            {
                return null;
            }
            var minutes = int.Parse(clock.Groups["m"].Value, CultureInfo.InvariantCulture);
            var seconds = int.Parse(clock.Groups["s"].Value, CultureInfo.InvariantCulture);
            return minutes > 59 || seconds > 59 ? null : ToNanoseconds(((hours * 60) + minutes) * 60 + seconds, 1_000_000_000m);
        }
        return ParseGoDuration(text);
    }

    // Go's time.ParseDuration grammar: [-+] then one or more <number><unit>, plus Temporal's "d".
    private static long? ParseGoDuration(string text)
    {
        var i = 0;
        var negative = false;
        if (i < text.Length && text[i] is '-' or '+')
        {
            negative = text[i] == '-';
            i++;
        }
        var total = 0m;
        var parts = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }
            var number = text[start..i];
            if (number.Length is 0 or > 30 || number.Count(c => c == '.') > 1 || number == "."
                || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                return null;
            }
            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.')
            {
                i++;
            }
            decimal? unit = text[unitStart..i] switch
            {
                "ns" => 1m,
                "us" or "\u00b5s" or "\u03bcs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                "d" => 86_400_000_000_000m,
                _ => null,
            };
            if (unit is null || amount > 1e12m)
            {
                return null; // an unknown unit, or more units than 64-bit nanoseconds can hold
            }
            total += amount * unit.Value;
            parts++;
        }
        return parts == 0 ? null : ToNanoseconds(negative ? -total : total, 1m);
    }

    private static long? ToNanoseconds(decimal amount, decimal unit)
    {
        var value = decimal.Truncate(amount * unit);
        return value is > long.MaxValue or < long.MinValue ? null : (long)value;
    }

    /// <summary>"Running" or "WORKFLOW_EXECUTION_STATUS_RUNNING", case-sensitive as in Temporal.</summary>
    public static WorkflowExecutionStatus? ParseStatus(string text) =>
        StatusNames.TryGetValue(text, out var status) ? status : null;

    public static WorkflowExecutionStatus? StatusFromNumber(long number) =>
        number is >= 0 and <= int.MaxValue && Enum.IsDefined((WorkflowExecutionStatus)(int)number) ? (WorkflowExecutionStatus)(int)number : null;

    /// <summary>The name Temporal shows for a status in counts and filters ("Running", "ContinuedAsNew").</summary>
    public static string StatusName(WorkflowExecutionStatus status) => status.ToString();

    private static Dictionary<string, WorkflowExecutionStatus> BuildStatusNames()
    {
        var names = new Dictionary<string, WorkflowExecutionStatus>(StringComparer.Ordinal);
        var descriptor = WorkflowReflection.Descriptor.EnumTypes.Single(e => e.ClrType == typeof(WorkflowExecutionStatus));
        foreach (var value in descriptor.Values)
        {
            var status = (WorkflowExecutionStatus)value.Number;
            names[value.Name] = status;
            names[status.ToString()] = status;
        }
        return names;
    }

    [GeneratedRegex(@"^(?<y>[0-9]{4})-(?<mo>[0-9]{2})-(?<d>[0-9]{2})[Tt](?<h>[0-9]{2}):(?<mi>[0-9]{2}):(?<s>[0-9]{2})(\.(?<fraction>[0-9]{1,9}))?(?<zone>[Zz]|(?<sign>[+-])(?<oh>[0-9]{2}):(?<om>[0-9]{2}))\z", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    [GeneratedRegex(@"^(?<h>[0-9]{1,18}):(?<m>[0-9]{1,2}):(?<s>[0-9]{1,2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex Clock();
}
