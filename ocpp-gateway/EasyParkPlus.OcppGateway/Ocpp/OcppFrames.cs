using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EasyParkPlus.OcppGateway.Ocpp;

// OCPP-J RPC error codes (OCPP 2.0.1 part 4, 4.3).
public static class OcppErrorCodes
{
    public const string FormatViolation = "FormatViolation";
    public const string GenericError = "GenericError";
    public const string InternalError = "InternalError";
    public const string MessageTypeNotSupported = "MessageTypeNotSupported";
    public const string NotImplemented = "NotImplemented";
    public const string NotSupported = "NotSupported";
    public const string OccurrenceConstraintViolation = "OccurrenceConstraintViolation";
    public const string PropertyConstraintViolation = "PropertyConstraintViolation";
    public const string ProtocolError = "ProtocolError";
    public const string RpcFrameworkError = "RpcFrameworkError";
    public const string TypeConstraintViolation = "TypeConstraintViolation";
}

// A payload that breaks the message's schema; becomes a CALLERROR with this code.
public sealed class OcppPayloadException(string errorCode, string message) : Exception(message)
{
    public string ErrorCode { get; } = errorCode;
}

public abstract record OcppFrame;

public sealed record OcppCall(string MessageId, string Action, JsonElement Payload) : OcppFrame;

public sealed record OcppCallResult(string MessageId, JsonElement Payload) : OcppFrame;

public sealed record OcppCallError(string MessageId, string ErrorCode, string Description, JsonElement Details) : OcppFrame;

// A frame we cannot treat as a call or answer; MessageId is "-1" when it could not be read.
public sealed record OcppMalformed(string MessageId, string ErrorCode, string Description) : OcppFrame;

public static class OcppFraming
{
    public const string Subprotocol = "ocpp2.0.1";
    public const int Call = 2;
    public const int CallResult = 3;
    public const int CallError = 4;

    // Payloads on the wire: camelCase, and no nulls (strict peers reject null for an optional field).
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static OcppFrame Parse(ReadOnlySpan<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray());
        }
        catch (JsonException)
        {
            return new OcppMalformed("-1", OcppErrorCodes.RpcFrameworkError, "The message is not valid JSON.");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() < 3)
            {
                return new OcppMalformed("-1", OcppErrorCodes.RpcFrameworkError, "An OCPP-J message is a JSON array [type, messageId, ...].");
            }
            if (root[1].ValueKind != JsonValueKind.String || root[1].GetString() is not { Length: > 0 and <= 36 } messageId)
            {
                return new OcppMalformed("-1", OcppErrorCodes.RpcFrameworkError, "The messageId must be a string of 1 to 36 characters.");
            }
            if (root[0].ValueKind != JsonValueKind.Number || !root[0].TryGetInt32(out var type))
            {
                return new OcppMalformed(messageId, OcppErrorCodes.RpcFrameworkError, "The message type must be a number.");
            }
            switch (type)
            {
                case Call:
                    if (root.GetArrayLength() != 4 || root[2].ValueKind != JsonValueKind.String)
                    {
                        return new OcppMalformed(messageId, OcppErrorCodes.RpcFrameworkError, "A CALL is [2, messageId, action, payload].");
                    }
                    if (root[3].ValueKind != JsonValueKind.Object)
                    {
                        return new OcppMalformed(messageId, OcppErrorCodes.FormatViolation, "The CALL payload must be a JSON object.");
                    }
                    return new OcppCall(messageId, root[2].GetString()!, root[3].Clone());
                case CallResult:
                    return root.GetArrayLength() == 3 && root[2].ValueKind == JsonValueKind.Object
                        ? new OcppCallResult(messageId, root[2].Clone())
                        : new OcppMalformed(messageId, OcppErrorCodes.FormatViolation, "A CALLRESULT is [3, messageId, payload].");
                case CallError:
                    return root.GetArrayLength() == 5 && root[2].ValueKind == JsonValueKind.String
                        ? new OcppCallError(messageId, root[2].GetString()!, root[3].ValueKind == JsonValueKind.String ? root[3].GetString()! : "", root[4].Clone())
                        : new OcppMalformed(messageId, OcppErrorCodes.FormatViolation, "A CALLERROR is [4, messageId, errorCode, errorDescription, errorDetails].");
                default:
                    return new OcppMalformed(messageId, OcppErrorCodes.MessageTypeNotSupported,
                        string.Create(CultureInfo.InvariantCulture, $"Message type {type} is not an OCPP-J message type."));
            }
        }
    }

    public static string CallText(string messageId, string action, object payload) =>
        JsonSerializer.Serialize(new object[] { Call, messageId, action, payload }, Json);

    public static string ResultText(string messageId, object payload) =>
        JsonSerializer.Serialize(new object[] { CallResult, messageId, payload }, Json);

    // errorDescription is limited to 255 characters by the spec.
    public static string ErrorText(string messageId, string errorCode, string description) =>
        JsonSerializer.Serialize(new object[] { CallError, messageId, errorCode, description.Length > 255 ? description[..255] : description, new { } }, Json);
}

// Reads a payload the way the official schemas constrain it, so a violation gets the right CALLERROR code:
// missing → OccurrenceConstraintViolation, wrong JSON type → TypeConstraintViolation,
// out of range/too long/not in the enum → PropertyConstraintViolation, bad date-time → FormatViolation.
public readonly struct PayloadReader(JsonElement element, string path)
{
    public JsonElement Element => element;

    public static PayloadReader Root(JsonElement payload) => new(payload, "");

    private string Name(string name) => path.Length == 0 ? name : path + "." + name;

    private JsonElement? Get(string name, bool required)
    {
        if (element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            return value;
        }
        if (required)
        {
            throw new OcppPayloadException(OcppErrorCodes.OccurrenceConstraintViolation, $"'{Name(name)}' is required.");
        }
        return null;
    }

    private JsonElement? Typed(string name, bool required, JsonValueKind kind, string typeName)
    {
        var value = Get(name, required);
        if (value is { } v && v.ValueKind != kind && !(kind == JsonValueKind.True && v.ValueKind == JsonValueKind.False))
        {
            throw new OcppPayloadException(OcppErrorCodes.TypeConstraintViolation, $"'{Name(name)}' must be {typeName}.");
        }
        return value;
    }

    public string Text(string name, int maxLength) => OptionalText(name, maxLength, required: true)!;

    public string? OptionalText(string name, int maxLength, bool required = false)
    {
        if (Typed(name, required, JsonValueKind.String, "a string") is not { } value)
        {
            return null;
        }
        var text = value.GetString()!;
        return text.Length <= maxLength ? text
            : throw new OcppPayloadException(OcppErrorCodes.PropertyConstraintViolation, $"'{Name(name)}' is longer than {maxLength} characters.");
    }

    public int Number(string name, int min = int.MinValue) => OptionalNumber(name, min, required: true)!.Value;

    public int? OptionalNumber(string name, int min = int.MinValue, bool required = false)
    {
        if (Typed(name, required, JsonValueKind.Number, "an integer") is not { } value)
        {
            return null;
        }
        if (!value.TryGetInt32(out var number))
        {
            throw new OcppPayloadException(OcppErrorCodes.TypeConstraintViolation, $"'{Name(name)}' must be an integer.");
        }
        return number >= min ? number
            : throw new OcppPayloadException(OcppErrorCodes.PropertyConstraintViolation, $"'{Name(name)}' must be at least {min}.");
    }

    public decimal Amount(string name)
    {
        var value = Typed(name, true, JsonValueKind.Number, "a number")!.Value;
        return value.TryGetDecimal(out var number) ? number
            : throw new OcppPayloadException(OcppErrorCodes.TypeConstraintViolation, $"'{Name(name)}' must be a number.");
    }

    public bool? OptionalBool(string name) => Typed(name, false, JsonValueKind.True, "a boolean")?.GetBoolean();

    public DateTimeOffset Time(string name)
    {
        var text = Text(name, 64);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
               && text.Contains('T', StringComparison.Ordinal)
            ? time.ToUniversalTime()
            : throw new OcppPayloadException(OcppErrorCodes.FormatViolation, $"'{Name(name)}' must be an RFC 3339 date-time.");
    }

    public string Enum(string name, IReadOnlySet<string> allowed) => OptionalEnum(name, allowed, required: true)!;

    public string? OptionalEnum(string name, IReadOnlySet<string> allowed, bool required = false)
    {
        var text = OptionalText(name, 64, required);
        return text is null || allowed.Contains(text) ? text
            : throw new OcppPayloadException(OcppErrorCodes.PropertyConstraintViolation, $"'{Name(name)}' has no value '{text}'.");
    }

    public PayloadReader Child(string name) => OptionalChild(name, required: true)!.Value;

    public PayloadReader? OptionalChild(string name, bool required = false) =>
        Typed(name, required, JsonValueKind.Object, "an object") is { } value ? new PayloadReader(value, Name(name)) : null;

    public IReadOnlyList<PayloadReader> Array(string name, int minItems, bool required = true)
    {
        if (Typed(name, required, JsonValueKind.Array, "an array") is not { } value)
        {
            return [];
        }
        if (value.GetArrayLength() < minItems)
        {
            throw new OcppPayloadException(OcppErrorCodes.OccurrenceConstraintViolation, $"'{Name(name)}' needs at least {minItems} item(s).");
        }
        var items = new List<PayloadReader>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = string.Create(CultureInfo.InvariantCulture, $"{Name(name)}[{index++}]");
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new OcppPayloadException(OcppErrorCodes.TypeConstraintViolation, $"'{itemPath}' must be an object.");
            }
            items.Add(new PayloadReader(item, itemPath));
        }
        return items;
    }
}
