using System.Text.Json;
using System.Text.Json.Serialization;

namespace EasyParkPlus.Engine;

/// <summary>
/// How arguments, results and history are serialised: JSON with camelCase names and enums as strings, so a
/// history reads well in the operator console and in an exported file.
/// </summary>
public static class PayloadConverter
{
    /// <summary>The serialiser options used for every payload and history event.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static readonly JsonElement EmptyArray = JsonSerializer.SerializeToElement(Array.Empty<object>());

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // jsonb stores keys in its own order, so the event type discriminator may come last.
            AllowOutOfOrderMetadataProperties = true,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Serialises a list of arguments into one JSON array.</summary>
    public static JsonElement ToArguments(IReadOnlyList<object?> arguments, IReadOnlyList<Type> types)
    {
        if (arguments.Count == 0)
        {
            return EmptyArray;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            for (var i = 0; i < arguments.Count; i++)
            {
                JsonSerializer.Serialize(writer, arguments[i], types[i], Options);
            }
            writer.WriteEndArray();
        }
        return JsonElement.Parse(buffer.WrittenSpan);
    }

    /// <summary>Deserialises a JSON array into arguments of the given parameter types.</summary>
    public static object?[] FromArguments(JsonElement arguments, IReadOnlyList<Type> types, string what)
    {
        if (arguments.ValueKind != JsonValueKind.Array)
        {
            throw new WorkflowInvalidArgumentException($"Arguments of {what} must be a JSON array.");
        }

        var count = arguments.GetArrayLength();
        if (count > types.Count)
        {
            throw new WorkflowInvalidArgumentException($"{what} takes {types.Count} argument(s), {count} given.");
        }

        var values = new object?[types.Count];
        var i = 0;
        foreach (var item in arguments.EnumerateArray())
        {
            try
            {
                values[i] = item.Deserialize(types[i], Options);
            }
            catch (JsonException ex)
            {
                throw new WorkflowInvalidArgumentException($"Argument {i + 1} of {what} is not a valid {types[i].Name}: {ex.Message}", ex);
            }
            i++;
        }
        for (; i < types.Count; i++)
        {
            values[i] = types[i].IsValueType ? Activator.CreateInstance(types[i]) : null;
        }
        return values;
    }

    /// <summary>Serialises one value (a result).</summary>
    public static JsonElement ToPayload(object? value, Type type) => JsonSerializer.SerializeToElement(value, type, Options);

    /// <summary>Deserialises one value (a result).</summary>
    public static object? FromPayload(JsonElement? payload, Type type) =>
        payload is not { ValueKind: not JsonValueKind.Undefined } value || type == typeof(void)
            ? (type.IsValueType && type != typeof(void) ? Activator.CreateInstance(type) : null)
            : value.Deserialize(type, Options);
}
