using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>
/// List page tokens as clients see them: opaque, and tied to the search that issued them. The store's cursor travels
/// inside with a fingerprint of the filters, so a token that is not one we issued, or belongs to another search, is
/// refused with 400 before it reaches the store.
/// </summary>
public static class PageTokens
{
    private const string Version = "p1";

    /// <summary>A fingerprint of the search filters (page size excluded: it may change between pages).</summary>
    public static string Filter(params object?[] filters)
    {
        var text = string.Join('\u001f', filters.Select(f => f switch
        {
            null => "",
            DateTimeOffset time => time.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            string s => s.Trim().ToUpperInvariant(),
            _ => Convert.ToString(f, System.Globalization.CultureInfo.InvariantCulture) ?? "",
        }));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    public static string Issue(string cursor, string filter) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{Version}|{filter}|{cursor}"));

    public static bool TryRead(string token, string filter, out string? cursor)
    {
        cursor = null;
        var bytes = new byte[Base64Url.GetMaxDecodedLength(token.Length)];
        if (Base64Url.DecodeFromChars(token, bytes, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            return false;
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        var parts = text.Split('|', 3);
        if (parts is not [Version, var issuedFor, { Length: > 0 } inner] || issuedFor != filter)
        {
            return false;
        }
        cursor = inner;
        return true;
    }
}
