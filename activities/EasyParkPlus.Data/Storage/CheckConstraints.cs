using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EasyParkPlus.Data.Storage;

// CHECK constraints named as PostgreSQL names an inline column check ({table}_{column}_check), because
// the SQL migrations create them inline and later scripts drop and re-create them by that name.
internal static class CheckConstraints
{
    // The allowed values come from the enum itself, so a member added in C# without a migration that
    // widens the CHECK shows up as drift (SchemaDriftTests) instead of as a failed insert in production.
    public static void HasEnumCheck<TEnum>(this TableBuilder table, string column)
        where TEnum : struct, Enum =>
        table.HasColumnCheck(column, $"{column} IN ({string.Join(", ", Enum.GetValues<TEnum>().Select(value => $"'{EnumText.ToText(value)}'"))})");

    public static void HasColumnCheck(this TableBuilder table, string column, string sql) =>
        table.HasCheckConstraint($"{table.Name}_{column}_check", sql);
}
