using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using EasyParkPlus.Domain;

namespace EasyParkPlus.OcppGateway.Gates;

public enum GateDirection
{
    Entry,
    Exit,
}

// A vehicle-detected event as the controller reported it, validated and normalised.
public sealed record GateEventInput(string EventId, GateDirection Direction, string Plate, DateTimeOffset Timestamp, string? PhotoRef);

// A controller's answer to one of our commands.
public sealed record GateCommandAck(string CommandId, bool Accepted, string? Reason);

// Why a message from a controller was refused; Code is one of GateErrorCodes.
public sealed record GateProtocolError(string Code, string Message, string? EventId = null);

public static class GateErrorCodes
{
    public const string MalformedJson = "malformedJson";
    public const string InvalidMessage = "invalidMessage";
    public const string UnknownType = "unknownType";
    public const string MessageTooLarge = "messageTooLarge";
    public const string TextOnly = "textOnly";
    public const string UnknownCommand = "unknownCommand";
    public const string WrongDirection = "wrongDirection";
    public const string Internal = "internalError";
}

// Messages the gateway sends to a controller (see README.md in this folder). Nulls are left out.
public abstract record GateOutboundMessage([property: JsonPropertyOrder(-1)] string Type);

public sealed record GateEventAckMessage(string EventId, bool Duplicate) : GateOutboundMessage("ack");

public sealed record GateErrorMessage(string Code, string Message, string? EventId) : GateOutboundMessage("error");

public sealed record OpenBarrierMessage(string CommandId, string SessionId, string? Message) : GateOutboundMessage("openBarrier");

public sealed record ShowMessageMessage(string CommandId, string Text) : GateOutboundMessage("showMessage");

// Parsing and validation of controller messages: pure functions, so every rule is testable
// without a socket, and the WebSocket and HTTP endpoints refuse exactly the same inputs.
public static partial class GateProtocol
{
    public const int MaxIdLength = 64;
    public const int MaxPhotoRefLength = 512;
    public const int MaxTextLength = 200;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] Serialize(GateOutboundMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, message.GetType(), Json);

    // Ids (event, command, session) are opaque to us but end up in logs, URLs and SQL parameters:
    // a conservative alphabet keeps hostile strings out.
    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    // Device time must say which time zone it is in; a bare local time would shift bills by hours.
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex TimestampPattern();

    public static bool IsValidId(string? value) => value is not null && IdPattern().IsMatch(value);

    // Controller clocks (RTC chips) count 2000-2099: a time outside that is no reading at all (0001-01-01 from a zeroed
    // field, which PostgreSQL would store as -infinity) and is refused. A time inside it is a reading from a possibly
    // wrong clock: stored, and judged against the event's arrival (DeviceClockFlag.Judge).
    public static readonly DateTimeOffset EarliestDeviceTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset LatestDeviceTime = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // A message the controller sends over the WebSocket: an event or an ack of one of our commands.
    public abstract record Inbound;

    public sealed record VehicleDetected(GateEventInput Event) : Inbound;

    public sealed record CommandAcknowledged(GateCommandAck Ack) : Inbound;

    public sealed record Refused(GateProtocolError Error) : Inbound;

    public static Inbound ParseInbound(ReadOnlySpan<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            return new Refused(new(GateErrorCodes.MalformedJson, "The message is not valid JSON: " + ex.Message));
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new Refused(new(GateErrorCodes.InvalidMessage, "A message must be a JSON object with a \"type\"."));
            }
            if (!root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                return new Refused(new(GateErrorCodes.InvalidMessage, "\"type\" is required and must be a string."));
            }
            switch (type.GetString())
            {
                case "vehicleDetected":
                    var parsed = ParseEvent(root);
                    return parsed.Error is { } error ? new Refused(error) : new VehicleDetected(parsed.Event!);
                case "ack":
                    return ParseAck(root);
                default:
                    return new Refused(new(GateErrorCodes.UnknownType,
                        "Unknown message type; expected \"vehicleDetected\" or \"ack\"."));
            }
        }
    }

    public readonly record struct EventParse(GateEventInput? Event, GateProtocolError? Error);

    public static EventParse ParseEvent(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return Fail("An event must be a JSON object.");
        }
        var eventId = OptionalString(element, "eventId");
        if (!IsValidId(eventId))
        {
            return Fail("\"eventId\" is required: 1-64 characters from A-Z a-z 0-9 . _ : -.");
        }
        var direction = OptionalString(element, "direction") switch
        {
            "entry" => GateDirection.Entry,
            "exit" => GateDirection.Exit,
            _ => (GateDirection?)null,
        };
        if (direction is null)
        {
            return Fail("\"direction\" is required and must be \"entry\" or \"exit\".", eventId);
        }
        if (!LicensePlate.TryNormalize(OptionalString(element, "plate"), out var plate))
        {
            return Fail($"\"plate\" is required: 1-{LicensePlate.MaxLength} letters or digits (spaces, dots and dashes are ignored).", eventId);
        }
        var rawTimestamp = OptionalString(element, "timestamp");
        if (rawTimestamp is null || !TimestampPattern().IsMatch(rawTimestamp)
            || !DateTimeOffset.TryParse(rawTimestamp, CultureInfo.InvariantCulture, DateTimeStyles.None, out var timestamp))
        {
            return Fail("\"timestamp\" is required: ISO 8601 device time with a UTC offset, e.g. 2026-12-06T08:15:00Z.", eventId);
        }
        if (timestamp < EarliestDeviceTime || timestamp >= LatestDeviceTime)
        {
            return Fail("\"timestamp\" is no clock reading (before 2000 or from 2100 on); check the controller's clock.", eventId);
        }
        string? photoRef = null;
        if (element.TryGetProperty("photoRef", out var photo) && photo.ValueKind != JsonValueKind.Null)
        {
            photoRef = photo.ValueKind == JsonValueKind.String ? photo.GetString() : null;
            if (photoRef is null || photoRef.Length is 0 or > MaxPhotoRefLength || photoRef.Any(char.IsControl))
            {
                return Fail($"\"photoRef\" must be a string of 1-{MaxPhotoRefLength} printable characters.", eventId);
            }
        }
        return new EventParse(new GateEventInput(eventId!, direction.Value, plate, timestamp.ToUniversalTime(), photoRef), null);

        static EventParse Fail(string message, string? eventId = null) =>
            new(null, new GateProtocolError(GateErrorCodes.InvalidMessage, message, eventId));
    }

    private static Inbound ParseAck(JsonElement root)
    {
        var commandId = OptionalString(root, "commandId");
        if (!IsValidId(commandId))
        {
            return new Refused(new(GateErrorCodes.InvalidMessage, "An ack needs the \"commandId\" of the command it answers."));
        }
        var status = root.TryGetProperty("status", out var value) ? value : default;
        bool accepted;
        switch (status.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                accepted = true;
                break;
            case JsonValueKind.String when status.GetString() is "accepted" or "rejected":
                accepted = status.GetString() == "accepted";
                break;
            default:
                return new Refused(new(GateErrorCodes.InvalidMessage, "\"status\" must be \"accepted\" or \"rejected\" when given."));
        }
        var reason = OptionalString(root, "reason");
        if (reason is { Length: > MaxTextLength })
        {
            reason = reason[..MaxTextLength];
        }
        return new CommandAcknowledged(new GateCommandAck(commandId!, accepted, reason));
    }

    // A display line or barrier message: printable and short, because it goes to a small LED panel.
    public static string? ValidateText(string? text, string name, bool required)
    {
        if (text is null)
        {
            return required ? $"\"{name}\" is required." : null;
        }
        if (text.Length is 0 or > MaxTextLength || text.Any(char.IsControl))
        {
            return $"\"{name}\" must be 1-{MaxTextLength} printable characters.";
        }
        return null;
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static string ToText(GateDirection direction) => direction == GateDirection.Entry ? "entry" : "exit";

    // A gate's lane ("entry", "exit" or "both") says which way cars pass it: an entry-only controller reporting an
    // exit is broken or abused, and believing it would close another car's stay. Null when the direction is allowed.
    public static string? CheckLane(string lane, GateDirection direction) =>
        lane == "both" || lane == ToText(direction)
            ? null
            : $"This gate is an {lane} lane; it cannot report an {ToText(direction)}.";

    public static GateDirection ParseDirection(string text) => text == "entry" ? GateDirection.Entry : GateDirection.Exit;
}
