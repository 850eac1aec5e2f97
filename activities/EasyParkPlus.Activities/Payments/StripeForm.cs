using System.Globalization;
using System.Text;

namespace EasyParkPlus.Activities.Payments;

/// <summary>
/// Stripe's request encoding: <c>application/x-www-form-urlencoded</c> with nested keys written
/// <c>metadata[workflow_id]=...</c> and list items <c>payment_method_types[]=card</c>. Brackets stay
/// literal (as Stripe's own libraries send them); everything else is percent-encoded.
/// </summary>
internal sealed class StripeForm
{
    private readonly List<KeyValuePair<string, string>> _fields = [];

    public IReadOnlyList<KeyValuePair<string, string>> Fields => _fields;

    public StripeForm Add(string key, string? value)
    {
        if (value is not null)
        {
            _fields.Add(new(key, value));
        }
        return this;
    }

    public StripeForm Add(string key, long? value) => Add(key, value?.ToString(CultureInfo.InvariantCulture));

    public StripeForm Add(string key, bool value) => Add(key, value ? "true" : "false");

    public StripeForm AddListItem(string key, string value) => Add(key + "[]", value);

    public StripeForm AddMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return this;
        }
        if (metadata.Count > 50)
        {
            throw new ArgumentException("Stripe accepts at most 50 metadata keys.", nameof(metadata));
        }
        foreach (var (key, value) in metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            // Stripe's limits: 50 keys, key up to 40 characters without square brackets, value up to 500.
            if (key.Length is 0 or > 40 || key.AsSpan().IndexOfAny('[', ']') >= 0)
            {
                throw new ArgumentException($"Metadata key '{key}' must be 1-40 characters without square brackets.", nameof(metadata));
            }
            if (value.Length > 500)
            {
                throw new ArgumentException($"Metadata value for '{key}' exceeds 500 characters.", nameof(metadata));
            }
            Add($"metadata[{key}]", value);
        }
        return this;
    }

    public string Encode()
    {
        var text = new StringBuilder();
        foreach (var (key, value) in _fields)
        {
            if (text.Length > 0)
            {
                text.Append('&');
            }
            text.Append(EscapeKey(key)).Append('=').Append(Uri.EscapeDataString(value));
        }
        return text.ToString();
    }

    public HttpContent ToContent() => new StringContent(Encode(), Encoding.UTF8, "application/x-www-form-urlencoded");

    private static string EscapeKey(string key) =>
        Uri.EscapeDataString(key).Replace("%5B", "[", StringComparison.Ordinal).Replace("%5D", "]", StringComparison.Ordinal);
}
