using NpgsqlTypes;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>
/// A query as SQL over <see cref="PostgresVisibilityTable"/>'s columns: a WHERE condition and an
/// ORDER BY list, each with its own parameters (every value and attribute name is a parameter; no
/// value is ever spliced into the text), and the GROUP BY column of a count.
/// </summary>
/// <param name="Where">A condition (<c>TRUE</c> when there is no filter); AND it with the namespace and page conditions.</param>
/// <param name="WhereParameters">The parameters <paramref name="Where"/> names.</param>
/// <param name="OrderBy">The ORDER BY list, ending in the default order (so it is total).</param>
/// <param name="OrderByParameters">The parameters <paramref name="OrderBy"/> names.</param>
/// <param name="GroupBy">The GROUP BY column of a count (<c>status</c>), or null.</param>
public sealed record VisibilitySqlFragment(
    string Where,
    IReadOnlyList<SqlParameterValue> WhereParameters,
    string OrderBy,
    IReadOnlyList<SqlParameterValue> OrderByParameters,
    string? GroupBy);

/// <summary>A whole statement and its parameters.</summary>
public sealed record SqlStatement(string Sql, IReadOnlyList<SqlParameterValue> Parameters);

/// <summary>
/// Translates bound queries to PostgreSQL. The results agree with <see cref="VisibilityEvaluator"/>
/// row for row and in the same order: a missing attribute makes a comparison NULL, every NOT first
/// turns NULL into false, and the top-level AND/OR then reads NULL as false exactly as the in-memory
/// evaluation reads "missing" as false.
/// </summary>
public static class PostgresVisibilitySql
{
    /// <summary>The WHERE, ORDER BY and GROUP BY pieces, for a store that writes its own statements.</summary>
    /// <param name="query">A query from <see cref="VisibilityQuery.ForList"/> or <see cref="VisibilityQuery.ForCount"/>.</param>
    /// <param name="parameterPrefix">Prefix of the parameter names (letters and digits), so fragments can share a command with other parameters.</param>
    public static VisibilitySqlFragment Translate(VisibilityQuery query, string parameterPrefix = "f")
    {
        var where = new PostgresFilterBuilder(parameterPrefix + "w");
        var whereSql = query.Filter is null ? "TRUE" : where.Condition(query.Filter).Sql;
        var order = new PostgresFilterBuilder(parameterPrefix + "o");
        var orderSql = order.OrderBy(new VisibilityOrdering(query.OrderBy).Terms);
        return new VisibilitySqlFragment(whereSql, where.Parameters, orderSql, order.Parameters, query.GroupBy.Count > 0 ? "status" : null);
    }

    /// <summary>
    /// One page of ListWorkflowExecutions/ScanWorkflowExecutions: up to <paramref name="pageSize"/>
    /// rows of <see cref="PostgresVisibilityTable.SelectList"/> (read them with
    /// <see cref="PostgresVisibilityTable.Read"/>) in the query's order, after the page token's position.
    /// When the page comes back full, <see cref="VisibilityPaging.NextPageToken"/> of its last record
    /// continues it. A store that keeps columns of its own may select those instead (<paramref name="selectList"/>).
    /// </summary>
    /// <exception cref="VisibilityPageTokenException">The token is not one this query handed out.</exception>
    public static SqlStatement ListStatement(
        VisibilityQuery query, string namespaceId, int pageSize, ReadOnlySpan<byte> pageToken, string table = "visibility", string? selectList = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var ordering = new VisibilityOrdering(query.OrderBy);
        var after = VisibilityPaging.Decode(pageToken, ordering);
        var sql = new PostgresFilterBuilder("p");
        var conditions = new List<string> { $"namespace_id = {sql.Add(NpgsqlDbType.Text, namespaceId)}" };
        if (query.Filter is not null)
        {
            conditions.Add(sql.Condition(query.Filter).Sql);
        }
        if (after is not null)
        {
            conditions.Add(sql.After(ordering.Terms, after));
        }
        var text = $"SELECT {selectList ?? PostgresVisibilityTable.SelectList} FROM {table} WHERE {string.Join(" AND ", conditions)} "
            + $"ORDER BY {sql.OrderBy(ordering.Terms)} LIMIT {sql.Add(NpgsqlDbType.Integer, pageSize)}";
        return new SqlStatement(text, sql.Parameters);
    }

    /// <summary>
    /// CountWorkflowExecutions: one row with the count, or with GROUP BY one row per status
    /// (<c>status smallint, count bigint</c>; <see cref="PostgresVisibilityTable.StatusGroup"/> names it).
    /// </summary>
    public static SqlStatement CountStatement(VisibilityQuery query, string namespaceId, string table = "visibility")
    {
        var sql = new PostgresFilterBuilder("c");
        var where = $"namespace_id = {sql.Add(NpgsqlDbType.Text, namespaceId)}"
            + (query.Filter is null ? "" : " AND " + sql.Condition(query.Filter).Sql);
        var text = query.GroupBy.Count > 0
            ? $"SELECT status, count(*) FROM {table} WHERE {where} GROUP BY status ORDER BY status"
            : $"SELECT count(*) FROM {table} WHERE {where}";
        return new SqlStatement(text, sql.Parameters);
    }
}
