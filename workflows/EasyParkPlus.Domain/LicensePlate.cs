namespace EasyParkPlus.Domain;

// Plates arrive from cameras, gates and apps written differently ("abc-123", "ABC 123"); one
// normal form lets a subscription or reservation match the car at the gate.
public static class LicensePlate
{
    public const int MaxLength = 12;

    public static bool TryNormalize(string? raw, out string normalized)
    {
        normalized = string.Empty;
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > 4 * MaxLength)
        {
            return false;
        }
        Span<char> buffer = stackalloc char[raw.Length];
        var length = 0;
        foreach (var c in raw)
        {
            if (c is ' ' or '-' or '.' or '\t')
            {
                continue;
            }
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
            buffer[length++] = char.ToUpperInvariant(c);
        }
        if (length is 0 or > MaxLength)
        {
            return false;
        }
        normalized = new string(buffer[..length]);
        return true;
    }

    public static string Normalize(string raw) =>
        TryNormalize(raw, out var normalized)
            ? normalized
            : throw new ArgumentException($"'{raw}' is not a licence plate: 1-{MaxLength} letters or digits expected.", nameof(raw));
}
