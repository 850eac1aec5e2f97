using Npgsql;
using Xunit;

namespace EasyParkPlus.TestSupport;

/// <summary>
/// The PostgreSQL cluster `./easypark test` starts for this run. Each fixture gets a database of its
/// own, so test projects and classes never see each other's rows.
/// </summary>
public static class TestPostgres
{
    public const string EnvironmentVariable = "EASYPARK_TEST_POSTGRES";

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set: run the suite with `./easypark test`, which starts a throwaway PostgreSQL.");

    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)].ToLowerInvariant();
        await using (var admin = new NpgsqlConnection(AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>An xunit fixture owning one fresh database for the lifetime of a test class or collection.</summary>
public class PostgresDatabaseFixture : IAsyncLifetime
{
    private string? _connectionString;

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("The database is not created yet.");

    protected virtual string Prefix => "test";

    public virtual async Task InitializeAsync() => _connectionString = await TestPostgres.CreateDatabaseAsync(Prefix);

    public virtual async Task DisposeAsync()
    {
        if (_connectionString is not null)
        {
            await TestPostgres.DropDatabaseAsync(_connectionString);
        }
    }

    public Task<T?> ScalarAsync<T>(string sql, params object[] parameters) => TestSql.ScalarAsync<T>(ConnectionString, sql, parameters);

    public Task<int> ExecuteAsync(string sql, params object[] parameters) => TestSql.ExecuteAsync(ConnectionString, sql, parameters);

    public Task<List<object?[]>> RowsAsync(string sql, params object[] parameters) => TestSql.RowsAsync(ConnectionString, sql, parameters);
}
