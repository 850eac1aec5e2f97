using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using EasyParkPlus.TemporalServer.History;
using Google.Protobuf;

namespace EasyParkPlus.TemporalServer.Persistence.Postgres;

/// <summary>
/// Turns a run's state, a namespace and a visibility record into bytes and back. JSON for the C# records, with every
/// protobuf message inside written as its own binary encoding (base64), so the API's messages round-trip exactly.
/// Computed properties are skipped; collections without public setters are filled in place.
/// </summary>
public static class StateCodec
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PreferredObjectCreationHandling = JsonObjectCreationHandling.Populate,
        Converters = { new ProtobufConverterFactory() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { SkipComputed } },
    };

    public static byte[] Encode(RunState state) => JsonSerializer.SerializeToUtf8Bytes(state, Options);

    public static RunState DecodeRun(ReadOnlySpan<byte> bytes) =>
        JsonSerializer.Deserialize<RunState>(bytes, Options) ?? throw new InvalidDataException("empty run state");

    public static byte[] Encode(VisibilityRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Options);

    public static VisibilityRecord DecodeVisibility(ReadOnlySpan<byte> bytes) =>
        JsonSerializer.Deserialize<VisibilityRecord>(bytes, Options) ?? throw new InvalidDataException("empty visibility record");

    public static string EncodeNamespace(NamespaceRecord record) => JsonSerializer.Serialize(record, Options);

    public static NamespaceRecord DecodeNamespace(string json) =>
        JsonSerializer.Deserialize<NamespaceRecord>(json, Options) ?? throw new InvalidDataException("empty namespace record");

    // A getter-only property that is not a collection is derived from others (IsRunning, ActivityId, ...): not stored.
    private static void SkipComputed(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object || typeof(IMessage).IsAssignableFrom(type.Type))
        {
            return;
        }
        for (var i = type.Properties.Count - 1; i >= 0; i--)
        {
            var property = type.Properties[i];
            var isConstructorParameter = type.Type.GetConstructors().Any(c => c.GetParameters().Any(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase)));
            var settable = property.Set is not null || isConstructorParameter;
            var collection = property.PropertyType != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(property.PropertyType);
            if (!settable && !collection)
            {
                type.Properties.RemoveAt(i);
            }
        }
    }

    private sealed class ProtobufConverterFactory : JsonConverterFactory
    {
        private readonly ConcurrentDictionary<Type, JsonConverter> _converters = new();

        public override bool CanConvert(Type typeToConvert) => typeof(IMessage).IsAssignableFrom(typeToConvert);

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            _converters.GetOrAdd(typeToConvert, static t => (JsonConverter)Activator.CreateInstance(typeof(ProtobufConverter<>).MakeGenericType(t))!);
    }

    private sealed class ProtobufConverter<T> : JsonConverter<T>
        where T : IMessage<T>
    {
        private static readonly MessageParser<T> Parser =
            (MessageParser<T>)typeof(T).GetProperty("Parser", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Parser.ParseFrom(reader.GetBytesFromBase64());

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteBase64StringValue(value.ToByteArray());
    }
}
