using System.Reflection;
using Npgsql;

namespace EasyParkPlus.Engine.Postgres;

/// <summary>Creates and upgrades the engine's own schema ("engine"). Safe to call from several processes at once.</summary>
public static class PostgresSchema
{
    // An arbitrary constant: the advisory lock that serialises migrations of the engine schema.
    private const long MigrationLock = 7_301_954_221;

    /// <summary>Applies every migration script not applied yet, in order, each in its own transaction.</summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockCommand = Sql.Command(connection, null, "SELECT pg_advisory_lock($1)", Sql.Long(MigrationLock)))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            await using (var create = Sql.Command(connection, null,
                "CREATE SCHEMA IF NOT EXISTS engine; CREATE TABLE IF NOT EXISTS engine.schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            var applied = new HashSet<int>();
            await using (var read = Sql.Command(connection, null, "SELECT version FROM engine.schema_version"))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }
            foreach (var (version, name, script) in Scripts().Where(s => !applied.Contains(s.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (var migrate = Sql.Command(connection, transaction, script))
                {
                    await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                await using (var record = Sql.Command(connection, transaction, "INSERT INTO engine.schema_version (version, name) VALUES ($1, $2)",
                    Sql.Int(version), Sql.Text(name)))
                {
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await using var unlock = Sql.Command(connection, null, "SELECT pg_advisory_unlock($1)", Sql.Long(MigrationLock));
            await unlock.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static IEnumerable<(int Version, string Name, string Script)> Scripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Migrations/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource["Migrations/".Length..];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (version, name, reader.ReadToEnd());
        }
    }
}
