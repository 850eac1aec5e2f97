using Npgsql;
using EasyParkPlus.TemporalServer.Visibility;

namespace EasyParkPlus.TemporalServer.Persistence.Postgres;

/// <summary>
/// The store's visibility table: <see cref="PostgresVisibilityTable"/>'s columns, which lists and counts filter and
/// order in SQL (<see cref="PostgresVisibilitySql"/>), plus <c>record</c>, the whole stored record a list answers
/// with (memo, search attribute payloads as sent). Only the rows a query matches are read and decoded.
/// </summary>
internal static class VisibilityRows
{
    public const string Table = $"{PostgresSchema.Name}.visibility";
    private const int Version = 2;

    private static readonly string UpsertSql =
        $"INSERT INTO {Table} ({string.Join(", ", PostgresVisibilityTable.Columns)}, record) "
        + $"VALUES ({string.Join(", ", Enumerable.Range(1, PostgresVisibilityTable.Columns.Count + 1).Select(i => $"${i}"))}) "
        + "ON CONFLICT (namespace_id, run_id) DO UPDATE SET "
        + string.Join(", ", PostgresVisibilityTable.Columns.Skip(2).Append("record").Select(column => $"{column} = EXCLUDED.{column}"));

    /// <summary>The upsert of one run's row, for the commit's batch.</summary>
    public static NpgsqlBatchCommand Upsert(VisibilityRecord record)
    {
        var command = new NpgsqlBatchCommand(UpsertSql);
        foreach (var value in PostgresVisibilityTable.Parameters(record.Key.Namespace, VisibilityListing.Indexed(record)))
        {
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = value.Type, Value = value.Value });
        }
        command.Parameters.Add(CommitStatements.Bytes(StateCodec.Encode(record)));
        return command;
    }

    public static async Task<VisibilityPage> ListAsync(NpgsqlDataSource dataSource, string @namespace, VisibilityQuery query, int pageSize, byte[]? pageToken, CancellationToken cancellationToken)
    {
        var statement = PostgresVisibilitySql.ListStatement(query, @namespace, pageSize, pageToken ?? [], Table, selectList: "record");
        await using var command = Command(dataSource, statement);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<VisibilityRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(StateCodec.DecodeVisibility(reader.GetFieldValue<byte[]>(0)));
        }
        var next = records.Count == pageSize ? VisibilityPaging.NextPageToken(query, VisibilityListing.Indexed(records[^1])) : null;
        return new VisibilityPage(records, next);
    }

    public static async Task<VisibilityCount> CountAsync(NpgsqlDataSource dataSource, string @namespace, VisibilityQuery query, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource, PostgresVisibilitySql.CountStatement(query, @namespace, Table));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (query.GroupBy.Count == 0)
        {
            return new VisibilityCount(await reader.ReadAsync(cancellationToken) ? reader.GetInt64(0) : 0, []);
        }
        var groups = new List<VisibilityCountGroup>();
        while (await reader.ReadAsync(cancellationToken))
        {
            groups.Add(PostgresVisibilityTable.StatusGroup(reader.GetInt16(0), reader.GetInt64(1)));
        }
        return new VisibilityCount(groups.Sum(g => g.Count), groups);
    }

    /// <summary>
    /// Schema version 2: the table of version 1 (namespace, run, start time and the encoded record) becomes the
    /// filterable one; its rows are carried over (decoded here, so this step is code rather than a script).
    /// </summary>
    public static async Task MigrateAsync(NpgsqlConnection connection, ISet<int> applied, CancellationToken cancellationToken)
    {
        if (applied.Contains(Version))
        {
            return;
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var carried = new List<VisibilityRecord>();
        await using (var read = new NpgsqlCommand($"SELECT record FROM {Table}", connection, transaction))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                carried.Add(StateCodec.DecodeVisibility(reader.GetFieldValue<byte[]>(0)));
            }
        }
        // Index names cannot carry a schema, so the table is created with the schema on the search path.
        var ddl = $"DROP TABLE {Table}; SET LOCAL search_path TO {PostgresSchema.Name}; {PostgresVisibilityTable.CreateSql("visibility")} "
            + $"ALTER TABLE {Table} ADD COLUMN record bytea NOT NULL; RESET search_path;";
        await using (var create = new NpgsqlCommand(ddl, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        if (carried.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            carried.ForEach(record => batch.BatchCommands.Add(Upsert(record)));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var record = new NpgsqlCommand($"INSERT INTO {PostgresSchema.Name}.schema_version (version, name) VALUES ($1, $2)", connection, transaction))
        {
            record.Parameters.Add(new() { Value = Version });
            record.Parameters.Add(new() { Value = "0002_visibility_columns (code)" });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static NpgsqlCommand Command(NpgsqlDataSource dataSource, SqlStatement statement)
    {
        var command = dataSource.CreateCommand(statement.Sql);
        foreach (var parameter in statement.Parameters)
        {
            command.Parameters.Add(parameter.ToNpgsql());
        }
        return command;
    }
}
