namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>Strings both stores can hold: PostgreSQL text takes neither NUL nor unpaired surrogates.</summary>
internal static class VisibilityStrings
{
    /// <summary>What makes the string unstorable ("cannot contain a NUL character", ...), or null when it is fine.</summary>
    public static string? Problem(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return "cannot contain a NUL character";
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return "must be valid Unicode (it has an unpaired surrogate)";
            }
        }
        return null;
    }
}
