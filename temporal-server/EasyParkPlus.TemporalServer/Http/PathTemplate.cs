namespace EasyParkPlus.TemporalServer.Http;

/// <summary>
/// The path of a <c>google.api.http</c> rule, e.g. <c>/api/v1/namespaces/{namespace}/workflows/{execution.workflow_id}</c>:
/// literal segments and variables that each take one whole segment (<c>{field.path}</c> or <c>{field.path=*}</c>).
/// Temporal's rules use nothing else; a template with <c>**</c>, a multi-segment variable or a <c>:verb</c> is refused
/// when the table is built, so a new API version cannot slip in a rule that would bind wrongly.
/// </summary>
internal sealed class PathTemplate
{
    private readonly Segment[] _segments;

    private PathTemplate(string text, Segment[] segments)
    {
        Text = text;
        _segments = segments;
    }

    public string Text { get; }

    /// <summary>How many segments are literals: the most literal template wins when several match one path.</summary>
    public int LiteralCount => _segments.Count(s => s.Field is null);

    public static PathTemplate Parse(string template)
    {
        if (!template.StartsWith('/') || template.Contains(':', StringComparison.Ordinal))
        {
            throw new NotSupportedException($"Unsupported HTTP rule path '{template}'.");
        }
        var segments = template[1..].Split('/').Select(part =>
        {
            if (!part.StartsWith('{'))
            {
                return part.Length == 0 || part.Contains('*', StringComparison.Ordinal) || part.Contains('}', StringComparison.Ordinal)
                    ? throw new NotSupportedException($"Unsupported segment '{part}' in HTTP rule path '{template}'.")
                    : new Segment(part, null);
            }
            var inner = part.EndsWith('}') ? part[1..^1] : throw new NotSupportedException($"Unsupported segment '{part}' in '{template}'.");
            var equals = inner.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0 && inner[(equals + 1)..] != "*")
            {
                throw new NotSupportedException($"Unsupported variable '{part}' in HTTP rule path '{template}'.");
            }
            return new Segment(null, equals >= 0 ? inner[..equals] : inner);
        }).ToArray();
        return new PathTemplate(template, segments);
    }

    /// <summary>
    /// Matches the path's segments (already split and percent-decoded, so an id may contain an encoded '/') and
    /// returns the field paths with the values their variables took, or null when the path does not match.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Match(IReadOnlyList<string> path)
    {
        if (path.Count != _segments.Length)
        {
            return null;
        }
        List<KeyValuePair<string, string>>? bound = null;
        for (var i = 0; i < _segments.Length; i++)
        {
            var segment = _segments[i];
            if (segment.Field is null)
            {
                if (!string.Equals(segment.Literal, path[i], StringComparison.Ordinal))
                {
                    return null;
                }
            }
            else
            {
                (bound ??= []).Add(new(segment.Field, path[i]));
            }
        }
        return bound ?? [];
    }

    public override string ToString() => Text;

    private sealed record Segment(string? Literal, string? Field);
}
