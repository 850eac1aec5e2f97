using System.Text.Json;

namespace EasyParkPlus.Engine;

/// <summary>
/// Search attribute values are JSON scalars (string, number, boolean, timestamp as ISO-8601 text) or string lists,
/// so the PostgreSQL store can index and filter them with jsonb containment.
/// </summary>
public static class SearchAttributeValues
{
    /// <summary>Converts values to JSON, refusing types that cannot be filtered on.</summary>
    public static IReadOnlyDictionary<string, JsonElement> ToJson(IReadOnlyDictionary<string, object?> values) =>
        values.Where(pair => pair.Value is not null).ToDictionary(pair => pair.Key, pair => Convert(pair.Key, pair.Value!), StringComparer.Ordinal);

    /// <summary>As <see cref="ToJson"/>, keeping null values (which remove a key on upsert).</summary>
    public static IReadOnlyDictionary<string, JsonElement?> ToNullableJson(IReadOnlyDictionary<string, object?> values) =>
        values.ToDictionary(pair => pair.Key, pair => pair.Value is null ? (JsonElement?)null : Convert(pair.Key, pair.Value), StringComparer.Ordinal);

    private static JsonElement Convert(string key, object value) => value switch
    {
        string or bool or int or long or double or decimal or float or short => JsonSerializer.SerializeToElement(value, value.GetType(), PayloadConverter.Options),
        DateTimeOffset time => JsonSerializer.SerializeToElement(time.ToUniversalTime(), PayloadConverter.Options),
        DateTime time => JsonSerializer.SerializeToElement(new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero), PayloadConverter.Options),
        Enum member => JsonSerializer.SerializeToElement(member.ToString(), PayloadConverter.Options),
        JsonElement element => element,
        IEnumerable<string> list => JsonSerializer.SerializeToElement(list.ToArray(), PayloadConverter.Options),
        _ => throw new ArgumentException($"Search attribute {key} has a value of type {value.GetType().Name}; use a string, number, boolean, timestamp or string list.", nameof(value)),
    };
}
