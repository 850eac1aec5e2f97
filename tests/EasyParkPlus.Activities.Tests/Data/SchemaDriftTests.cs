using System.Text.RegularExpressions;
using EasyParkPlus.Data;
using EasyParkPlus.TestSupport;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EasyParkPlus.Activities.Tests.Data;

// The schema comes from the SQL scripts in Migrations/; the EF model must describe exactly that schema.
// One database is migrated with the scripts, a second is created by EF from `context.Model`, and
// PostgreSQL's own catalog of both is compared, so every expression is in PostgreSQL's normal form on
// both sides and a difference in spelling ("x IN (...)" against "x = ANY (ARRAY[...])") is not drift.
public partial class SchemaDriftTests
{
    [Fact]
    public async Task EfModel_ComparedWithTheMigratedDatabase_DeclaresTheSameTablesKeysIndexesChecksAndDefaults()
    {
        await using var migrated = await DataTestDatabase.CreateAsync();
        var fromModel = await TestPostgres.CreateDatabaseAsync("efmodel");
        try
        {
            await using (var context = new EasyParkDbContext(new DbContextOptionsBuilder<EasyParkDbContext>().UseNpgsql(fromModel).Options))
            {
                (await context.Database.EnsureCreatedAsync()).Should().BeTrue("the model's database starts empty");
            }
            await using var modelSource = NpgsqlDataSource.Create(fromModel);

            var database = await SchemaSnapshot.ReadAsync(migrated.DataSource);
            var model = await SchemaSnapshot.ReadAsync(modelSource);

            database.Columns.Should().NotBeEmpty().And.Contain(column => column.StartsWith("billing.payments.amount_cents ", StringComparison.Ordinal));
            // One line per difference, all of them, so a failure says everything to change at once.
            string.Join(Environment.NewLine, SchemaSnapshot.Differences(database, model)).Should().BeEmpty();
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(fromModel);
        }
    }

    // The comparison itself must see drift of each kind it claims to check.
    [Fact]
    public async Task Differences_DatabaseChangedBehindTheModel_ReportsEachChange()
    {
        await using var database = await DataTestDatabase.CreateAsync();
        var before = await SchemaSnapshot.ReadAsync(database.DataSource);
        await database.ExecuteAsync("""
            ALTER TABLE billing.refunds DROP CONSTRAINT refunds_payment_id_fkey,
                ADD CONSTRAINT refunds_payment_id_fkey FOREIGN KEY (payment_id) REFERENCES billing.payments (id) ON DELETE CASCADE;
            ALTER TABLE accounts.vehicles DROP CONSTRAINT vehicles_fuel_check;
            DROP INDEX accounts.uq_payment_methods_default;
            ALTER TABLE billing.invoices ALTER COLUMN currency DROP DEFAULT;
            ALTER TABLE parking.levels ALTER COLUMN name DROP NOT NULL;
            """);
        var after = await SchemaSnapshot.ReadAsync(database.DataSource);

        var differences = SchemaSnapshot.Differences(after, before);

        differences.Should().HaveCount(8);
        differences.Should().Contain(line => line.Contains("billing.refunds: FOREIGN KEY (payment_id) REFERENCES billing.payments(id) ON DELETE CASCADE", StringComparison.Ordinal));
        differences.Should().Contain(line => line.Contains("accounts.vehicles vehicles_fuel_check", StringComparison.Ordinal));
        differences.Should().Contain(line => line.Contains("ON accounts.payment_methods USING btree (customer_id) WHERE is_default", StringComparison.Ordinal));
        differences.Should().Contain(line => line.Contains("billing.invoices.currency text not null default 'usd'::text", StringComparison.Ordinal));
        differences.Should().Contain(line => line.Contains("parking.levels.name text null", StringComparison.Ordinal));
    }

    private sealed partial record SchemaSnapshot(
        IReadOnlySet<string> Columns, IReadOnlySet<string> ForeignKeys, IReadOnlySet<string> Indexes, IReadOnlySet<string> Checks)
    {
        public static async Task<SchemaSnapshot> ReadAsync(NpgsqlDataSource dataSource)
        {
            // Columns with their type (with length and precision), nullability, default and identity kind.
            var columns = await ReadAsync(dataSource, """
                SELECT n.nspname || '.' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                       || CASE WHEN a.attnotnull THEN ' not null' ELSE ' null' END
                       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
                       || CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END
                FROM pg_attribute a
                JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
                JOIN pg_namespace n ON n.oid = c.relnamespace
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE a.attnum > 0 AND NOT a.attisdropped AND n.nspname = ANY($1)
                """);
            // Foreign keys by what they join and their delete rule; the names differ (EF's FK_... against PostgreSQL's ..._fkey).
            var foreignKeys = await ReadAsync(dataSource, """
                SELECT n.nspname || '.' || c.relname || ': ' || pg_get_constraintdef(k.oid)
                FROM pg_constraint k
                JOIN pg_class c ON c.oid = k.conrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE k.contype = 'f' AND n.nspname = ANY($1)
                """);
            // Every index, unique constraints and primary keys included, with columns, order, uniqueness and predicate.
            var indexes = await ReadAsync(dataSource, """
                SELECT pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                JOIN pg_class c ON c.oid = i.indrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = ANY($1)
                """);
            // Check constraints by name: later migrations drop and re-create them by name.
            var checks = await ReadAsync(dataSource, """
                SELECT n.nspname || '.' || c.relname || ' ' || k.conname || ': ' || pg_get_constraintdef(k.oid)
                FROM pg_constraint k
                JOIN pg_class c ON c.oid = k.conrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE k.contype = 'c' AND n.nspname = ANY($1)
                """);
            // Index names are not compared (EF names primary keys PK_x where PostgreSQL says x_pkey).
            return new(columns, foreignKeys, indexes.Select(index => IndexName().Replace(index, "INDEX ON")).ToHashSet(StringComparer.Ordinal), checks);
        }

        // "in the database only: ..." is what the SQL migrations create and the model does not declare; "in the model only" the reverse.
        public static List<string> Differences(SchemaSnapshot database, SchemaSnapshot model) =>
        [
            .. Compare("column", database.Columns, model.Columns),
            .. Compare("foreign key", database.ForeignKeys, model.ForeignKeys),
            .. Compare("index", database.Indexes, model.Indexes),
            .. Compare("check", database.Checks, model.Checks),
        ];

        private static IEnumerable<string> Compare(string kind, IReadOnlySet<string> database, IReadOnlySet<string> model) =>
            database.Except(model).Order(StringComparer.Ordinal).Select(line => $"{kind} in the database only: {line}")
                .Concat(model.Except(database).Order(StringComparer.Ordinal).Select(line => $"{kind} in the model only: {line}"));

        private static async Task<HashSet<string>> ReadAsync(NpgsqlDataSource dataSource, string sql)
        {
            await using var command = dataSource.CreateCommand(sql);
            command.Parameters.Add(new NpgsqlParameter { Value = Schemas.All.ToArray() });
            var rows = new HashSet<string>(StringComparer.Ordinal);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }
            return rows;
        }

        [GeneratedRegex(@"INDEX \S+ ON")]
        private static partial Regex IndexName();
    }
}
