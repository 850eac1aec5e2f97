using System.Text.Json;
using System.Text.RegularExpressions;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>
/// What a client is told when its request cannot even be bound: the field at fault in the api's own words. The framework's
/// messages name .NET types and give hints meant for the developer ("Did you mean to use a Service instead?"), so they
/// only go to the log.
/// </summary>
public static partial class BadRequests
{
    public static (int Status, string Title, string? Detail) Describe(BadHttpRequestException exception)
    {
        if (exception.InnerException is JsonException json)
        {
            return Describe(json);
        }
        var message = exception.Message;
        var name = ParameterName().Match(message) is { Success: true } match ? match.Groups["name"].Value : null;
        if (exception.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return (StatusCodes.Status415UnsupportedMediaType, "The request body must be JSON (Content-Type: application/json).", null);
        }
        if ((message.Contains("body", StringComparison.OrdinalIgnoreCase) && message.Contains("not provided", StringComparison.OrdinalIgnoreCase))
            || message.StartsWith("Implicit body", StringComparison.Ordinal))
        {
            return (StatusCodes.Status400BadRequest, "A JSON request body is required.", "Send a JSON object with the fields this endpoint documents.");
        }
        if (name is not null && message.StartsWith("Required parameter", StringComparison.Ordinal))
        {
            return (StatusCodes.Status400BadRequest, "A required value is missing.", $"'{name}' is required.");
        }
        if (name is not null && message.StartsWith("Failed to bind parameter", StringComparison.Ordinal))
        {
            return (StatusCodes.Status400BadRequest, "A value is not valid.", $"'{name}' has a value of the wrong type or format.");
        }
        return (exception.StatusCode, exception.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request could not be read.", null);
    }

    public static (int Status, string Title, string? Detail) Describe(JsonException json) =>
        json.Path is { Length: > 1 } path && path != "$"
            ? (StatusCodes.Status400BadRequest, "The request body is not valid JSON for this endpoint.", $"'{Field(path)}' has a value of the wrong type or format.")
            : (StatusCodes.Status400BadRequest, "The request body is not valid JSON for this endpoint.",
                json.LineNumber is { } line ? $"It could not be read near line {line + 1}, byte {json.BytePositionInLine + 1}." : null);

    // "$.slotStart" → "slotStart"; "$.lines[2].code" → "lines[2].code"; "$['odd key']" stays readable.
    private static string Field(string path) => path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    // The parameter in the framework's "parameter \"Type name\"" wording; the type is never shown.
    [GeneratedRegex(@"parameter ""(?:[^""]*\s)?(?<name>[A-Za-z_][A-Za-z0-9_]*)""", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterName();
}
