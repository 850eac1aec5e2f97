using Microsoft.AspNetCore.Http.HttpResults;

namespace EasyParkPlus.Api.Infrastructure;

/// <summary>Collects field-level messages for an RFC 7807 validation problem (query parameters and business rules; request bodies use the attributes in RequestValidation.cs).</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }
        list.Add(message);
    }

    /// <summary>Required, trimmed non-empty, at most <paramref name="maxLength"/> characters, no control characters.</summary>
    public bool Text(string field, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? value, int maxLength, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, $"'{field}' is required.");
            }
            return false;
        }
        if (value.Length > maxLength)
        {
            Add(field, $"'{field}' must be at most {maxLength} characters.");
            return false;
        }
        if (value.Any(char.IsControl))
        {
            Add(field, $"'{field}' must not contain control characters.");
            return false;
        }
        return true;
    }

    public bool Required<T>(string field, T? value)
        where T : struct
    {
        if (value is null)
        {
            Add(field, $"'{field}' is required.");
            return false;
        }
        return true;
    }

    public bool Enum<TEnum>(string field, string? value, out TEnum result, bool required = true)
        where TEnum : struct, System.Enum
    {
        result = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, $"'{field}' is required.");
            }
            return false;
        }
        // Names only: "3" or "Ev,Ice" must not slip through as a numeric or flags value.
        if (value.Length > 40 || !value.All(char.IsAsciiLetter) || !System.Enum.TryParse(value, ignoreCase: true, out result)
            || !System.Enum.IsDefined(result))
        {
            Add(field, $"'{field}' must be one of: {string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}.");
            return false;
        }
        return true;
    }

    /// <summary>422: the request is well-formed but a business rule refuses it; the field errors as in a validation problem.</summary>
    public ProblemHttpResult Unprocessable(string title) =>
        TypedResults.Problem(new HttpValidationProblemDetails(ToDictionary()) { Title = title, Status = StatusCodes.Status422UnprocessableEntity });

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
