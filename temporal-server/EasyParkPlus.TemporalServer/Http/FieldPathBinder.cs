using System.Collections;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EasyParkPlus.TemporalServer.Http;

/// <summary>A path variable or query parameter that cannot go into the request message: the caller's mistake (400).</summary>
internal sealed class HttpBindingException(string message) : Exception(message);

/// <summary>
/// Sets a field of a request message from the text of a path variable or query parameter, as grpc-gateway does:
/// the field path is dotted (<c>execution.run_id</c>, or by JSON names <c>execution.runId</c>), nested messages are
/// created on the way, a repeated field gets one element per occurrence, enums are given by name or number, bytes
/// in base64, and the well-known Timestamp, Duration, FieldMask and wrapper types in their JSON text form.
/// </summary>
internal static class FieldPathBinder
{
    /// <summary>Sets the field; returns false when no field has that path (grpc-gateway ignores such parameters).</summary>
    public static bool TrySet(IMessage message, string fieldPath, string value)
    {
        var parts = fieldPath.Split('.');
        var target = message;
        for (var i = 0; i < parts.Length; i++)
        {
            if (Find(target.Descriptor, parts[i]) is not { } field)
            {
                return false;
            }
            if (i == parts.Length - 1)
            {
                Set(target, field, value, fieldPath);
                return true;
            }
            if (field.FieldType != FieldType.Message || field.IsRepeated || field.IsMap || IsWellKnownScalar(field.MessageType))
            {
                throw new HttpBindingException($"'{fieldPath}' does not name a field that can be set from the URL.");
            }
            if (field.Accessor.GetValue(target) is not IMessage child)
            {
                child = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                field.Accessor.SetValue(target, child);
            }
            target = child;
        }
        return false;
    }

    private static FieldDescriptor? Find(MessageDescriptor descriptor, string name) =>
        descriptor.FindFieldByName(name) ?? descriptor.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == name);

    private static void Set(IMessage target, FieldDescriptor field, string text, string fieldPath)
    {
        if (field.IsMap || (field.FieldType == FieldType.Message && !IsWellKnownScalar(field.MessageType)))
        {
            throw new HttpBindingException($"'{fieldPath}' is a message or map field; send it in a request body instead.");
        }
        var value = Convert(field, text, fieldPath);
        if (field.IsRepeated)
        {
            ((IList)field.Accessor.GetValue(target)).Add(value);
        }
        else
        {
            field.Accessor.SetValue(target, value);
        }
    }

    private static object Convert(FieldDescriptor field, string text, string fieldPath)
    {
        try
        {
            return field.FieldType switch
            {
                FieldType.String => text,
                FieldType.Bool => ParseBool(text),
                FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => int.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
                FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
                FieldType.UInt32 or FieldType.Fixed32 => uint.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture),
                FieldType.UInt64 or FieldType.Fixed64 => ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture),
                FieldType.Double => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
                FieldType.Float => float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
                FieldType.Bytes => ParseBytes(text),
                FieldType.Enum => ParseEnum(field.EnumType, text),
                FieldType.Message => ParseWellKnown(field.MessageType, text, fieldPath),
                _ => throw new FormatException($"fields of type {field.FieldType} are not supported"),
            };
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or InvalidProtocolBufferException)
        {
            throw new HttpBindingException($"'{text}' is not a valid value for '{fieldPath}' ({field.FieldType}): {ex.Message}");
        }
    }

    // strconv.ParseBool's spellings, which grpc-gateway accepts.
    private static bool ParseBool(string text) => text switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => throw new FormatException("expected true or false"),
    };

    private static ByteString ParseBytes(string text)
    {
        // Standard base64 first, then the URL-safe alphabet; padding is optional in either.
        var standard = text.Replace('-', '+').Replace('_', '/');
        var padded = standard.PadRight(standard.Length + ((4 - (standard.Length % 4)) % 4), '=');
        return ByteString.FromBase64(padded);
    }

    private static object ParseEnum(EnumDescriptor type, string text)
    {
        var value = type.FindValueByName(text)
            ?? (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? type.FindValueByNumber(number) : null)
            ?? throw new FormatException($"not a value of {type.FullName}");
        // The generated C# enum, as the field accessor expects it.
        return Enum.ToObject(type.ClrType, value.Number);
    }

    private static readonly HashSet<string> JsonStringTypes =
        ["google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"];

    private static bool IsWellKnownScalar(MessageDescriptor type) =>
        JsonStringTypes.Contains(type.FullName) || IsWrapper(type);

    private static bool IsWrapper(MessageDescriptor type) =>
        type.File.Package == "google.protobuf" && type.Name.EndsWith("Value", StringComparison.Ordinal)
        && type.Fields.InDeclarationOrder() is [{ Name: "value" }];

    private static IMessage ParseWellKnown(MessageDescriptor type, string text, string fieldPath)
    {
        if (JsonStringTypes.Contains(type.FullName))
        {
            return JsonParser.Default.Parse(System.Text.Json.JsonSerializer.Serialize(text), type);
        }
        var wrapper = type.Parser.ParseFrom(ByteString.Empty);
        var inner = type.Fields.InDeclarationOrder()[0];
        inner.Accessor.SetValue(wrapper, Convert(inner, text, fieldPath));
        return wrapper;
    }
}
