using System.Globalization;
using System.Text.Json;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>
/// Search attribute payloads as the SDKs encode them (<c>json/plain</c>: a string, number, bool, RFC 3339 time or
/// a list of strings), checked against the type registered for each name, and decoded for visibility.
/// </summary>
public static class SearchAttributeValues
{
    /// <summary>Search attributes the server defines that workflows may upsert.</summary>
    public static readonly IReadOnlyDictionary<string, IndexedValueType> SystemUpsertable = new Dictionary<string, IndexedValueType>(StringComparer.Ordinal)
    {
        ["TemporalChangeVersion"] = IndexedValueType.KeywordList,
        ["BinaryChecksums"] = IndexedValueType.KeywordList,
        ["BuildIds"] = IndexedValueType.KeywordList,
    };

    /// <summary>Why <paramref name="attributes"/> are invalid (unknown name, wrong type), or null.</summary>
    public static string? Validate(SearchAttributes attributes, Func<string, IndexedValueType?> typeOf)
    {
        foreach (var (name, payload) in attributes.IndexedFields)
        {
            var type = typeOf(name);
            if (type is null)
            {
                return $"search attribute {name} is not defined";
            }
            if (payload.CalculateSize() > 2 * 1024)
            {
                return $"search attribute {name} value size exceeds the limit of 2048 bytes";
            }
            if (!IsNull(payload) && !TryDecode(payload, type.Value, out _))
            {
                return $"invalid value for search attribute {name} of type {TypeName(type.Value)}: {payload.Data.ToStringUtf8()}";
            }
        }
        return null;
    }

    /// <summary>The payload metadata that names a value's type, as Temporal's SDKs and server write it.</summary>
    public const string TypeMetadataKey = "type";

    /// <summary>
    /// Writes each value's registered type into its <c>type</c> metadata (after <see cref="Validate"/>), as Temporal
    /// does: stored values then say how to decode them, for visibility and for the SDK that reads them back.
    /// </summary>
    public static void StampTypes(SearchAttributes attributes, Func<string, IndexedValueType?> typeOf)
    {
        foreach (var (name, payload) in attributes.IndexedFields)
        {
            if (typeOf(name) is { } type && !IsNull(payload))
            {
                payload.Metadata[TypeMetadataKey] = Google.Protobuf.ByteString.CopyFromUtf8(TypeName(type));
            }
        }
    }

    /// <summary>Whether a payload unsets the attribute (no data, or JSON null).</summary>
    public static bool IsNull(Payload payload) => payload.Data.IsEmpty || payload.Data.ToStringUtf8().Trim() == "null";

    /// <summary>
    /// Decodes a payload of a known type: string for Keyword and Text, long for Int, double for Double, bool for
    /// Bool, DateTimeOffset for Datetime, string[] for KeywordList.
    /// </summary>
    public static bool TryDecode(Payload payload, IndexedValueType type, out object? value)
    {
        value = null;
        try
        {
            using var json = JsonDocument.Parse(payload.Data.Memory);
            var e = json.RootElement;
            switch (type)
            {
                case IndexedValueType.Keyword or IndexedValueType.Text when e.ValueKind == JsonValueKind.String:
                    value = e.GetString();
                    return true;
                case IndexedValueType.Int when e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var l):
                    value = l;
                    return true;
                case IndexedValueType.Int when e.ValueKind == JsonValueKind.String && long.TryParse(e.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ls):
                    value = ls;
                    return true;
                case IndexedValueType.Double when e.ValueKind == JsonValueKind.Number:
                    value = e.GetDouble();
                    return true;
                case IndexedValueType.Bool when e.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    value = e.GetBoolean();
                    return true;
                case IndexedValueType.Datetime when e.ValueKind == JsonValueKind.String
                    && DateTimeOffset.TryParse(e.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time):
                    value = time.ToUniversalTime();
                    return true;
                case IndexedValueType.KeywordList when e.ValueKind == JsonValueKind.Array && e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String):
                    value = e.EnumerateArray().Select(x => x.GetString()!).ToArray();
                    return true;
                case IndexedValueType.KeywordList when e.ValueKind == JsonValueKind.String:
                    value = new[] { e.GetString()! };
                    return true;
                default:
                    return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Temporal's name of a type (as in the list filter language and the CLI).</summary>
    public static string TypeName(IndexedValueType type) => type switch
    {
        IndexedValueType.Keyword => "Keyword",
        IndexedValueType.Text => "Text",
        IndexedValueType.Int => "Int",
        IndexedValueType.Double => "Double",
        IndexedValueType.Bool => "Bool",
        IndexedValueType.Datetime => "Datetime",
        IndexedValueType.KeywordList => "KeywordList",
        _ => "Unspecified",
    };

    /// <summary>Parses a type name (case-insensitive), as the CLI's <c>--search-attribute Name=Type</c> gives it.</summary>
    public static IndexedValueType? ParseTypeName(string name) => name.ToUpperInvariant() switch
    {
        "KEYWORD" => IndexedValueType.Keyword,
        "TEXT" => IndexedValueType.Text,
        "INT" => IndexedValueType.Int,
        "DOUBLE" => IndexedValueType.Double,
        "BOOL" => IndexedValueType.Bool,
        "DATETIME" => IndexedValueType.Datetime,
        "KEYWORDLIST" => IndexedValueType.KeywordList,
        _ => null,
    };
}
