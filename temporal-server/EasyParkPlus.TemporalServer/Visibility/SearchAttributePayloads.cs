using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>
/// Search attributes on the wire: each value is a JSON payload (<c>encoding: json/plain</c>) whose
/// <c>type</c> metadata names its <see cref="IndexedValueType"/>, which the SDK requires when it reads
/// them back. Decoding follows the type the namespace registered, as Temporal's does: a scalar may come
/// as a one-element list, <c>null</c> or an empty list unsets the attribute, and a KeywordList must be
/// a list of strings.
/// </summary>
public static class SearchAttributePayloads
{
    private static readonly ByteString JsonPlain = ByteString.CopyFromUtf8("json/plain");
    private static readonly ByteString BinaryNull = ByteString.CopyFromUtf8("binary/null");

    /// <summary>
    /// Applies the attributes of an upsert (or of a start request, onto an empty set) and returns the
    /// result; an attribute whose value is null is removed.
    /// </summary>
    /// <exception cref="SearchAttributeValueException">An unknown or system attribute, or a value that does not fit its type.</exception>
    public static IReadOnlyDictionary<string, SearchAttributeValue> Apply(
        IReadOnlyDictionary<string, SearchAttributeValue> current, SearchAttributes? changes, SearchAttributeSchema schema)
    {
        var result = new Dictionary<string, SearchAttributeValue>(current, StringComparer.Ordinal);
        if (changes is null)
        {
            return result;
        }
        foreach (var (name, payload) in changes.IndexedFields)
        {
            if (SearchAttributeSchema.SystemAttributes.ContainsKey(name))
            {
                throw new SearchAttributeValueException(name, "system search attributes are set by the server, not by workflows");
            }
            if (schema.StoredType(name) is not { } type)
            {
                throw new SearchAttributeValueException(name, "it is not a search attribute of this namespace; add it first (OperatorService AddSearchAttributes)");
            }
            if (Decode(name, payload, type) is { } value)
            {
                result[name] = value;
            }
            else
            {
                result.Remove(name);
            }
        }
        return result;
    }

    /// <summary>Decodes one value with the attribute's registered type; null means "unset".</summary>
    /// <exception cref="SearchAttributeValueException">The payload is not JSON of that type.</exception>
    public static SearchAttributeValue? Decode(string name, Payload payload, IndexedValueType type)
    {
        var encoding = payload.Metadata.TryGetValue("encoding", out var value) ? value : JsonPlain;
        if (encoding.Equals(BinaryNull))
        {
            return null;
        }
        if (!encoding.Equals(JsonPlain))
        {
            throw new SearchAttributeValueException(name, $"encoding '{encoding.ToStringUtf8()}' is not json/plain");
        }
        if (!Utf8.IsValid(payload.Data.Span))
        {
            throw new SearchAttributeValueException(name, "the payload is not valid UTF-8");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.Data.Memory);
        }
        catch (JsonException)
        {
            throw new SearchAttributeValueException(name, "the payload is not valid JSON");
        }
        using (document)
        {
            var element = document.RootElement;
            if (type != IndexedValueType.KeywordList && element.ValueKind == JsonValueKind.Array)
            {
                var length = element.GetArrayLength();
                if (length > 1)
                {
                    throw new SearchAttributeValueException(name, $"a {type} attribute holds one value, not a list of {length}");
                }
                if (length == 0)
                {
                    return null;
                }
                element = element[0];
            }
            if (element.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            SearchAttributeValue? decoded;
            try
            {
                decoded = FromJson(element, type);
            }
            catch (InvalidOperationException)
            {
                throw new SearchAttributeValueException(name, "a string is not valid Unicode (it has an unpaired surrogate escape)");
            }
            if (decoded is null)
            {
                throw new SearchAttributeValueException(name, $"expected {Expected(type)}");
            }
            if (decoded is KeywordListValue { Values.Count: 0 })
            {
                return null;
            }
            var strings = decoded switch
            {
                KeywordValue keyword => [keyword.Value],
                TextValue text => [text.Value],
                KeywordListValue list => list.Values,
                _ => [],
            };
            foreach (var text in strings)
            {
                if (VisibilityStrings.Problem(text) is { } problem)
                {
                    throw new SearchAttributeValueException(name, $"a string {problem}");
                }
            }
            return decoded;
        }
    }

    /// <summary>The payload of one value, with the <c>type</c> metadata the SDK needs.</summary>
    public static Payload Encode(SearchAttributeValue value)
    {
        var json = PostgresVisibilityTable.JsonText(writer =>
        {
            if (value is DatetimeValue time)
            {
                writer.WriteStringValue(time.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
            }
            else
            {
                PostgresVisibilityTable.WriteValue(writer, value);
            }
        });
        return new Payload
        {
            Metadata =
            {
                ["encoding"] = JsonPlain,
                ["type"] = ByteString.CopyFromUtf8(value.Type.ToString()),
            },
            Data = ByteString.CopyFromUtf8(json),
        };
    }

    /// <summary>All values as the <c>SearchAttributes</c> message of describe and list answers.</summary>
    public static SearchAttributes EncodeAll(IReadOnlyDictionary<string, SearchAttributeValue> attributes)
    {
        var message = new SearchAttributes();
        foreach (var (name, value) in attributes)
        {
            message.IndexedFields[name] = Encode(value);
        }
        return message;
    }

    /// <summary>A JSON value of the given type, or null when it is not of that type.</summary>
    internal static SearchAttributeValue? FromJson(JsonElement element, IndexedValueType type) => (type, element.ValueKind) switch
    {
        (IndexedValueType.Keyword, JsonValueKind.String) => new KeywordValue(element.GetString()!),
        (IndexedValueType.Text, JsonValueKind.String) => new TextValue(element.GetString()!),
        (IndexedValueType.Int, JsonValueKind.Number) => element.TryGetInt64(out var integer) ? new IntValue(integer) : null,
        (IndexedValueType.Double, JsonValueKind.Number) => element.TryGetDouble(out var real) && double.IsFinite(real) ? new DoubleValue(real) : null,
        (IndexedValueType.Bool, JsonValueKind.True or JsonValueKind.False) => new BoolValue(element.GetBoolean()),
        (IndexedValueType.Datetime, JsonValueKind.String) => VisibilityLiterals.ParseTime(element.GetString()!) is { } time ? new DatetimeValue(time) : null,
        (IndexedValueType.KeywordList, JsonValueKind.Array) => element.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String)
            ? new KeywordListValue(element.EnumerateArray().Select(item => item.GetString()!).ToList())
            : null,
        _ => null,
    };

    private static string Expected(IndexedValueType type) => type switch
    {
        IndexedValueType.Keyword or IndexedValueType.Text => "a JSON string",
        IndexedValueType.Int => "a JSON integer within 64 bits",
        IndexedValueType.Double => "a JSON number",
        IndexedValueType.Bool => "true or false",
        IndexedValueType.Datetime => "an RFC 3339 time string",
        IndexedValueType.KeywordList => "a JSON list of strings",
        _ => "a value of a known type",
    };
}
