using System.Globalization;

namespace EasyParkPlus.LocalStripe;

/// <summary>
/// A request's parameters as Stripe reads them: <c>a=1&amp;b[c]=2&amp;d[]=x</c> from a form body (POST)
/// or the query string (GET). Keys keep their brackets; lookups go by the full key.
/// </summary>
internal sealed class StandInForm
{
    private StandInForm(IReadOnlyList<KeyValuePair<string, string>> pairs) => Pairs = pairs;

    public IReadOnlyList<KeyValuePair<string, string>> Pairs { get; }

    public static StandInForm Parse(string encoded)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in encoded.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? "" : part[(equals + 1)..];
            pairs.Add(new(Decode(key), Decode(value)));
        }
        return new StandInForm(pairs);
    }

    /// <summary>The same parameters in any order give the same fingerprint; repeated list items keep their order.</summary>
    public string Fingerprint(string method, string path) =>
        method + " " + path + "\n" + string.Join('\n', Pairs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));

    /// <summary>Stripe answers <c>parameter_unknown</c> for a top-level name the endpoint does not take.</summary>
    public void RejectUnknown(params string[] allowed)
    {
        foreach (var (key, _) in Pairs)
        {
            var bracket = key.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? key : key[..bracket];
            if (!allowed.Contains(name, StringComparer.Ordinal) && name != "expand")
            {
                throw StandInError.Invalid($"Received unknown parameter: {key}", "parameter_unknown", key, beforeExecution: true);
            }
        }
    }

    public string? Get(string key)
    {
        string? found = null;
        foreach (var (k, v) in Pairs)
        {
            if (k == key)
            {
                found = v;
            }
        }
        return found;
    }

    public string Required(string key) =>
        Get(key) is { Length: > 0 } value
            ? value
            : throw StandInError.Invalid($"Missing required param: {key}.", "parameter_missing", key, beforeExecution: true);

    public long? Integer(string key)
    {
        var text = Get(key);
        if (text is null)
        {
            return null;
        }
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw StandInError.Invalid($"Invalid integer: {text}", "parameter_invalid_integer", key, beforeExecution: true);
    }

    public bool Boolean(string key)
    {
        var text = Get(key);
        return text switch
        {
            null or "false" => false,
            "true" => true,
            _ => throw StandInError.Invalid($"Invalid boolean: {text}", "parameter_invalid_string_empty", key, beforeExecution: true),
        };
    }

    public string? OneOf(string key, params string[] values)
    {
        var text = Get(key);
        if (text is null || values.Contains(text, StringComparer.Ordinal))
        {
            return text;
        }
        throw StandInError.Invalid(
            $"Invalid {key}: must be one of {string.Join(", ", values)}", "parameter_invalid_string", key, beforeExecution: true);
    }

    /// <summary>Items sent as <c>key[]=a&amp;key[]=b</c> or <c>key[0]=a&amp;key[1]=b</c>.</summary>
    public List<string> List(string key) =>
        Pairs.Where(p => p.Key == key + "[]" || (p.Key.StartsWith(key + "[", StringComparison.Ordinal)
                                                  && p.Key.EndsWith(']') && p.Key[(key.Length + 1)..^1].All(char.IsAsciiDigit)))
            .Select(p => p.Value)
            .ToList();

    /// <summary><c>metadata[k]=v</c> pairs, checked against Stripe's limits (50 keys, 40-character keys, 500-character values).</summary>
    public Dictionary<string, string> Metadata()
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in Pairs)
        {
            if (!key.StartsWith("metadata[", StringComparison.Ordinal) || !key.EndsWith(']'))
            {
                continue;
            }
            var name = key["metadata[".Length..^1];
            if (name.Length is 0 or > 40 || name.Contains('[', StringComparison.Ordinal))
            {
                throw StandInError.Invalid($"Invalid metadata key: {name}", "parameter_invalid_string", key, beforeExecution: true);
            }
            if (value.Length > 500)
            {
                throw StandInError.Invalid($"Metadata values can have up to 500 characters, but you passed in a value that is {value.Length} characters.", "parameter_invalid_string", key, beforeExecution: true);
            }
            metadata[name] = value;
        }
        if (metadata.Count > 50)
        {
            throw StandInError.Invalid("You can have at most 50 metadata keys.", "parameter_invalid_string", "metadata", beforeExecution: true);
        }
        return metadata;
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
