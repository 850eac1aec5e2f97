using System.Text.Json;

namespace EasyParkPlus.Engine.Store;

/// <summary>
/// PostgreSQL's jsonb containment (<c>@&gt;</c>) in C#, so the in-memory store filters search attributes exactly
/// as the PostgreSQL store does.
/// </summary>
public static class JsonContainment
{
    /// <summary>Whether <paramref name="container"/> contains <paramref name="contained"/>.</summary>
    public static bool Contains(JsonElement container, JsonElement contained, bool topLevel = true)
    {
        switch (contained.ValueKind)
        {
            case JsonValueKind.Object:
                if (container.ValueKind != JsonValueKind.Object)
                {
                    return false;
                }
                foreach (var property in contained.EnumerateObject())
                {
                    if (!container.TryGetProperty(property.Name, out var value) || !Contains(value, property.Value, topLevel: false))
                    {
                        return false;
                    }
                }
                return true;
            case JsonValueKind.Array:
                return container.ValueKind == JsonValueKind.Array
                    && contained.EnumerateArray().All(wanted => container.EnumerateArray().Any(have => Contains(have, wanted, topLevel: false)));
            default:
                if (container.ValueKind == JsonValueKind.Array && topLevel)
                {
                    return container.EnumerateArray().Any(have => JsonElement.DeepEquals(have, contained));
                }
                return JsonElement.DeepEquals(container, contained);
        }
    }
}
