using EasyParkPlus.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace EasyParkPlus.Data.Storage;

// The column conventions every table follows, applied once instead of in forty configurations:
// snake_case columns, Money as `<name>_cents` bigint, enums as snake_case text, `Version` as the
// xmin system column (optimistic concurrency), `created_at`/`updated_at` defaulting to now().
internal static class StoreNaming
{
    public const string VersionProperty = "Version";

    public static void Apply(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                Apply(property);
            }
        }
    }

    public static PropertyBuilder<uint> IsXminVersion(this PropertyBuilder<uint> property) =>
        property.HasColumnName("xmin").HasColumnType("xid").ValueGeneratedOnAddOrUpdate().IsConcurrencyToken();

    private static void Apply(IMutableProperty property)
    {
        if (property.Name == VersionProperty && property.ClrType == typeof(uint))
        {
            return;
        }
        var type = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
        if (property.FindAnnotation(RelationalAnnotationNames.ColumnName) is null)
        {
            var column = EnumText.SnakeCase(property.Name);
            property.SetColumnName(type == typeof(Money) ? column + "_cents" : column);
        }
        if (type.IsEnum && property.GetValueConverter() is null)
        {
            var converterType = typeof(EnumTextConverter<>).MakeGenericType(type);
            property.SetValueConverter((ValueConverter)Activator.CreateInstance(converterType)!);
        }
        if (property.Name is "CreatedAt" or "UpdatedAt" && property.GetDefaultValueSql() is null)
        {
            // The database stamps new rows; callers set UpdatedAt themselves when they change one.
            property.SetDefaultValueSql("now()");
        }
    }
}
