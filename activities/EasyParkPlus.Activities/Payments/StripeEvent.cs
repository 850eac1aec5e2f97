using System.Text.Json;

namespace EasyParkPlus.Activities.Payments;

/// <summary>
/// A webhook event's envelope. Stripe delivers at least once and in no particular order, so the API
/// dedupes by <see cref="Id"/> and re-reads the object's current state when order matters.
/// </summary>
public sealed record StripeEvent(
    string Id,
    string Type,
    DateTimeOffset Created,
    string? ApiVersion,
    bool Livemode,
    JsonElement DataObject)
{
    /// <summary>The id of <c>data.object</c> (<c>pi_...</c>, <c>re_...</c>), if it has one.</summary>
    public string? ObjectId =>
        DataObject.ValueKind == JsonValueKind.Object && DataObject.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

    /// <summary><c>data.object</c> as one of the client's records, e.g. <see cref="StripePaymentIntent"/>.</summary>
    public T? DataObjectAs<T>() => DataObject.Deserialize<T>(StripeJson.Options);

    /// <summary>Parses the envelope; throws <see cref="JsonException"/> when it is not a Stripe event.</summary>
    public static StripeEvent Parse(ReadOnlySpan<byte> payload)
    {
        using var document = JsonDocument.Parse(payload.ToArray());
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A Stripe event is a JSON object.");
        }
        var id = RequiredString(root, "id");
        var type = RequiredString(root, "type");
        if (!root.TryGetProperty("created", out var created) || !created.TryGetInt64(out var createdSeconds))
        {
            throw new JsonException("A Stripe event needs an integer 'created'.");
        }
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("object", out var dataObject) || dataObject.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A Stripe event needs 'data.object'.");
        }
        var apiVersion = root.TryGetProperty("api_version", out var version) && version.ValueKind == JsonValueKind.String ? version.GetString() : null;
        var livemode = root.TryGetProperty("livemode", out var live) && live.ValueKind == JsonValueKind.True;
        return new StripeEvent(id, type, DateTimeOffset.FromUnixTimeSeconds(createdSeconds), apiVersion, livemode, dataObject.Clone());
    }

    private static string RequiredString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new JsonException($"A Stripe event needs a string '{name}'.");
}
