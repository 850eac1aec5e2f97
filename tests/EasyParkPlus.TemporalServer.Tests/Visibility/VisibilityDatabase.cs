using EasyParkPlus.TemporalServer.Visibility;
using EasyParkPlus.TestSupport;
using Npgsql;

namespace EasyParkPlus.TemporalServer.Tests.Visibility;

/// <summary>
/// A database of its own with the visibility table. It uses an ICU en-US default collation where the
/// server has ICU, so any comparison that forgot the "C" collation would order differently from memory.
/// </summary>
public sealed class VisibilityDatabase : IAsyncLifetime
{
    private string? _connectionString;

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("The database is not created yet.");

    public async Task InitializeAsync()
    {
        var name = $"visibility_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(TestPostgres.AdminConnectionString))
        {
            await admin.OpenAsync();
            try
            {
                await using var icu = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'", admin);
                await icu.ExecuteNonQueryAsync();
            }
            catch (PostgresException)
            {
                await using var plain = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
                await plain.ExecuteNonQueryAsync();
            }
        }
        _connectionString = new NpgsqlConnectionStringBuilder(TestPostgres.AdminConnectionString) { Database = name }.ConnectionString;
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand(PostgresVisibilityTable.CreateSql(), connection);
        await create.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        if (_connectionString is not null)
        {
            await TestPostgres.DropDatabaseAsync(_connectionString);
        }
    }

    public void Insert(string namespaceId, IEnumerable<VisibilityRecord> records)
    {
        using var connection = Open();
        using var batch = new NpgsqlBatch(connection);
        foreach (var record in records)
        {
            var command = new NpgsqlBatchCommand(PostgresVisibilityTable.UpsertSql());
            foreach (var parameter in PostgresVisibilityTable.Parameters(namespaceId, record))
            {
                command.Parameters.Add(parameter.ToNpgsql());
            }
            batch.BatchCommands.Add(command);
        }
        batch.ExecuteNonQuery();
    }

    /// <summary>One page through <see cref="PostgresVisibilitySql.ListStatement"/>, as the PostgreSQL store will read it.</summary>
    public VisibilityPage List(string namespaceId, VisibilityQuery query, int pageSize, byte[]? pageToken = null)
    {
        var statement = PostgresVisibilitySql.ListStatement(query, namespaceId, pageSize, pageToken);
        using var connection = Open();
        using var command = Command(connection, statement);
        using var reader = command.ExecuteReader();
        var records = new List<VisibilityRecord>();
        while (reader.Read())
        {
            records.Add(PostgresVisibilityTable.Read(reader));
        }
        return new VisibilityPage(records, records.Count == pageSize ? VisibilityPaging.NextPageToken(query, records[^1]) : null);
    }

    /// <summary>Every page of a list, run ids in order.</summary>
    public List<string> ListAll(string namespaceId, VisibilityQuery query, int pageSize = 1000)
    {
        var runIds = new List<string>();
        byte[]? token = null;
        do
        {
            var page = List(namespaceId, query, pageSize, token);
            runIds.AddRange(page.Records.Select(record => record.RunId));
            token = page.NextPageToken;
        }
        while (token is not null);
        return runIds;
    }

    public VisibilityCount Count(string namespaceId, VisibilityQuery query)
    {
        using var connection = Open();
        using var command = Command(connection, PostgresVisibilitySql.CountStatement(query, namespaceId));
        using var reader = command.ExecuteReader();
        if (query.GroupBy.Count == 0)
        {
            reader.Read();
            return new VisibilityCount(reader.GetInt64(0), []);
        }
        var groups = new List<VisibilityCountGroup>();
        while (reader.Read())
        {
            groups.Add(PostgresVisibilityTable.StatusGroup(reader.GetInt16(0), reader.GetInt64(1)));
        }
        return new VisibilityCount(groups.Sum(group => group.Count), groups);
    }

    public long Scalar(string sql)
    {
        using var connection = Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, SqlStatement statement)
    {
        var command = new NpgsqlCommand(statement.Sql, connection);
        foreach (var parameter in statement.Parameters)
        {
            command.Parameters.Add(parameter.ToNpgsql());
        }
        return command;
    }
}
