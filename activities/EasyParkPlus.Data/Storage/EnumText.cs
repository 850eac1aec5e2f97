using System.Collections.Frozen;
using System.Text;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace EasyParkPlus.Data.Storage;

// Enums are stored as snake_case text ("ev", "suspended_evse", "past_due") so the database reads
// well in psql and reports, and CHECK constraints list the allowed values. Raw SQL uses the same
// mapping through ToText, so the two can never disagree.
public static class EnumText
{
    public static string ToText<TEnum>(TEnum value)
        where TEnum : struct, Enum =>
        Names<TEnum>.ToText.TryGetValue(value, out var text)
            ? text
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a defined {typeof(TEnum).Name}.");

    public static TEnum Parse<TEnum>(string text)
        where TEnum : struct, Enum =>
        Names<TEnum>.FromText.TryGetValue(text, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a stored {typeof(TEnum).Name}.");

    // PascalCase to snake_case, keeping acronyms whole: EVConnected → ev_connected, SuspendedEVSE → suspended_evse.
    public static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0)
            {
                var previousIsLower = char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]);
                var endsAcronym = char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (previousIsLower || endsAcronym)
                {
                    builder.Append('_');
                }
            }
            builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }

    private static class Names<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly FrozenDictionary<TEnum, string> ToText =
            Enum.GetValues<TEnum>().ToFrozenDictionary(value => value, value => SnakeCase(value.ToString()));

        public static readonly FrozenDictionary<string, TEnum> FromText =
            ToText.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);
    }
}

public sealed class EnumTextConverter<TEnum>() : ValueConverter<TEnum, string>(value => EnumText.ToText(value), text => EnumText.Parse<TEnum>(text))
    where TEnum : struct, Enum;
