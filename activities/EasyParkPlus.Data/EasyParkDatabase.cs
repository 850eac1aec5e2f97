using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EasyParkPlus.Data;

// Applies the numbered SQL scripts in Migrations/ (embedded in this assembly) that the database
// has not seen yet. Every process may call it at start-up: a session advisory lock lets one
// migrate while the others wait and then find nothing to do. Each script runs in its own
// transaction together with its history row, so a crash never leaves one half-applied.
// Plain SQL rather than EF migrations: Migrations/README.md says why.
public static class EasyParkDatabase
{
    public const string HistoryTable = "public.easypark_data_migrations";

    // Any constant shared by all EasyParkPlus processes; it only has to differ from other advisory locks.
    private const long MigrationLockKey = 0x45_50_44_41_54_41_4D_31; // "EPDATAM1"

    public static async Task<IReadOnlyList<string>> MigrateAsync(string connectionString, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        return await MigrateAsync(dataSource, logger, cancellationToken);
    }

    // Returns the ids of the scripts this call applied (empty when the schema was up to date).
    public static async Task<IReadOnlyList<string>> MigrateAsync(NpgsqlDataSource dataSource, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        logger ??= NullLogger.Instance;
        var scripts = Scripts.Value;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(connection, null, $"""
                CREATE TABLE IF NOT EXISTS {HistoryTable} (
                    id          text PRIMARY KEY,
                    checksum    text NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);
            var history = await ReadHistoryAsync(connection, cancellationToken);
            var applied = new List<string>();
            foreach (var script in scripts)
            {
                if (history.TryGetValue(script.Id, out var checksum))
                {
                    if (checksum != script.Checksum)
                    {
                        throw new InvalidOperationException(
                            $"Schema migration {script.Id} was changed after it was applied; add a new script instead of editing it.");
                    }
                    continue;
                }
                var stopwatch = Stopwatch.StartNew();
                await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
                {
                    await ExecuteAsync(connection, transaction, script.Sql, cancellationToken);
                    await using var record = new NpgsqlCommand($"INSERT INTO {HistoryTable} (id, checksum) VALUES ($1, $2)", connection, transaction);
                    record.Parameters.Add(new() { Value = script.Id });
                    record.Parameters.Add(new() { Value = script.Checksum });
                    await record.ExecuteNonQueryAsync(cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }
                Log.MigrationApplied(logger, script.Id, stopwatch.ElapsedMilliseconds);
                applied.Add(script.Id);
            }
            if (applied.Count == 0)
            {
                Log.SchemaUpToDate(logger, scripts.Count);
            }
            return applied;
        }
        finally
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
    }

    public static IReadOnlyList<string> MigrationIds => [.. Scripts.Value.Select(script => script.Id)];

    private static readonly Lazy<IReadOnlyList<Script>> Scripts = new(LoadScripts);

    private static List<Script> LoadScripts()
    {
        const string prefix = "EasyParkPlus.Data.Migrations.";
        var assembly = typeof(EasyParkDatabase).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => Load(assembly, name, name[prefix.Length..^".sql".Length]))];
    }

    private static Script Load(Assembly assembly, string resource, string id)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // Line endings are normalised so a checkout with CRLF does not look like an edited script.
        var sql = reader.ReadToEnd().ReplaceLineEndings("\n");
        return new Script(id, sql, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql))));
    }

    private static async Task<Dictionary<string, string>> ReadHistoryAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var history = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand($"SELECT id, checksum FROM {HistoryTable}", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            history[reader.GetString(0)] = reader.GetString(1);
        }
        return history;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed record Script(string Id, string Sql, string Checksum);
}
