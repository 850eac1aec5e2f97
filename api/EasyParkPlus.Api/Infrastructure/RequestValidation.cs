using System.ComponentModel.DataAnnotations;
using System.Net.Mail;
using System.Text.Json;
using EasyParkPlus.Domain;

namespace EasyParkPlus.Api.Infrastructure;

// Attributes for the request records, checked by .NET's built-in minimal-API validation (AddValidation) before a
// handler runs. Each field carries one attribute that stops at its first failure, so a field gets one message, in the
// api's words and under its JSON name, as the hand-written checks these replace did.

/// <summary>The JSON name of the member being validated (the framework reports the C# name).</summary>
internal static class FieldName
{
    public static string Of(ValidationContext context) => JsonNamingPolicy.CamelCase.ConvertName(context.MemberName ?? context.DisplayName);
}

/// <summary>Text: present and not blank (unless <see cref="Optional"/>), at most the given length, no control characters.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public class TextAttribute(int maxLength) : ValidationAttribute
{
    public bool Optional { get; init; }

    public int MaxLength => maxLength;

    protected sealed override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var field = FieldName.Of(validationContext);
        var text = value as string;
        if (string.IsNullOrWhiteSpace(text))
        {
            return Optional ? ValidationResult.Success : Refused($"'{field}' is required.", field);
        }
        if (text.Length > maxLength)
        {
            return Refused($"'{field}' must be at most {maxLength} characters.", field);
        }
        if (text.Any(char.IsControl))
        {
            return Refused($"'{field}' must not contain control characters.", field);
        }
        return Refuse(text, field) is { } message ? Refused(message, field) : ValidationResult.Success;
    }

    /// <summary>A further rule on text that passed the common ones: the message, or null when it holds.</summary>
    protected virtual string? Refuse(string text, string field) => null;

    private static ValidationResult Refused(string message, string field) => new(message, [field]);
}

/// <summary>A licence plate <see cref="LicensePlate"/> can normalise.</summary>
public sealed class PlateAttribute() : TextAttribute(32)
{
    protected override string? Refuse(string text, string field) =>
        LicensePlate.TryNormalize(text, out _) ? null : $"'{field}' must have 2-{LicensePlate.MaxLength} letters or digits.";
}

public sealed class EmailAttribute() : TextAttribute(254)
{
    protected override string? Refuse(string text, string field) =>
        MailAddress.TryCreate(text.Trim(), out _) ? null : $"'{field}' is not a valid e-mail address.";
}

/// <summary>An identifier of ASCII letters, digits and the given punctuation (signal names, plan codes).</summary>
public sealed class IdentifierAttribute(int maxLength, string punctuation) : TextAttribute(maxLength)
{
    protected override string? Refuse(string text, string field) =>
        text.All(c => char.IsAsciiLetterOrDigit(c) || punctuation.Contains(c, StringComparison.Ordinal))
            ? null
            : $"'{field}' may contain only letters, digits, {Listed(punctuation)}.";

    private static string Listed(string punctuation)
    {
        var quoted = punctuation.Select(c => $"'{c}'").ToArray();
        return quoted.Length == 1 ? quoted[0] : $"{string.Join(", ", quoted[..^1])} and {quoted[^1]}";
    }
}

/// <summary>A Stripe payment method id (pm_ and letters, digits or '_').</summary>
public sealed class PaymentMethodIdAttribute() : TextAttribute(100)
{
    protected override string? Refuse(string text, string field) =>
        text.StartsWith("pm_", StringComparison.Ordinal) && text.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? null
            : $"'{field}' must be a Stripe payment method id (pm_...).";
}

/// <summary>
/// The name of a member of <paramref name="enumType"/>, any case; names only, so "3" or "Ev,Ice" cannot slip through as
/// a numeric or flags value.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class EnumNameAttribute(Type enumType) : ValidationAttribute
{
    public bool Optional { get; init; }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var field = FieldName.Of(validationContext);
        var text = value as string;
        if (string.IsNullOrWhiteSpace(text))
        {
            return Optional ? ValidationResult.Success : new ValidationResult($"'{field}' is required.", [field]);
        }
        if (text.Length <= 40 && text.All(char.IsAsciiLetter) && Enum.TryParse(enumType, text, ignoreCase: true, out var parsed) && Enum.IsDefined(enumType, parsed))
        {
            return ValidationResult.Success;
        }
        var names = string.Join(", ", Enum.GetNames(enumType).Select(n => n.ToLowerInvariant()));
        return new ValidationResult($"'{field}' must be one of: {names}.", [field]);
    }
}

/// <summary>A value that must be present (dates, ids, numbers); <see cref="Min"/> bounds a number.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class PresentAttribute : ValidationAttribute
{
    public int Min { get; init; } = int.MinValue;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var field = FieldName.Of(validationContext);
        return value switch
        {
            null => new ValidationResult($"'{field}' is required.", [field]),
            int number when number < Min => new ValidationResult($"'{field}' must be {Min} or more.", [field]),
            _ => ValidationResult.Success,
        };
    }
}

/// <summary>A password: at least <see cref="MinLength"/> and at most 200 characters.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class PasswordAttribute : ValidationAttribute
{
    private const int MaxLength = 200;

    public int MinLength { get; init; } = 1;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var field = FieldName.Of(validationContext);
        var length = (value as string)?.Length ?? 0;
        var message = length > MaxLength ? $"'{field}' must be at most {MaxLength} characters."
            : length == 0 && MinLength == 1 ? $"'{field}' is required (at most {MaxLength} characters)."
            : length < MinLength ? $"'{field}' must be at least {MinLength} characters."
            : null;
        return message is null ? ValidationResult.Success : new ValidationResult(message, [field]);
    }
}
