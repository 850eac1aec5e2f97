using System.Text;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>
/// Splits Text search attribute values (and the values a filter compares them with) into words: runs
/// of Unicode letters and digits, lower-cased; everything else separates. "my-business-id-foobar"
/// gives my, business, id, foobar, so <c>Description = 'foobar'</c> matches it and <c>'foo'</c> does not,
/// as Temporal's documentation shows. Both stores use these same tokens, so they agree on every match.
/// </summary>
public static class TextTokens
{
    public static IReadOnlyList<string> Of(string text)
    {
        var tokens = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var word = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                word.Append(Rune.ToLowerInvariant(rune).ToString());
                continue;
            }
            Flush();
        }
        Flush();
        return tokens;

        void Flush()
        {
            if (word.Length > 0)
            {
                var token = word.ToString();
                if (seen.Add(token))
                {
                    tokens.Add(token);
                }
                word.Clear();
            }
        }
    }
}
