using System.Globalization;
using NpgsqlTypes;
using Temporalio.Api.Enums.V1;

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

/// <summary>
/// Translates bound queries to PostgreSQL. The result agrees with <see cref="VisibilityEvaluator"/>
/// row for row: a missing attribute makes a comparison NULL, every NOT first turns NULL into false,
/// and the top-level AND/OR then reads NULL as false exactly as the in-memory evaluation reads
/// "missing" as false.
/// </summary>
public static class PostgresVisibilitySql
{
    /// <param name="query">A query from <see cref="VisibilityQuery.ForList"/> or <see cref="VisibilityQuery.ForCount"/>.</param>
    /// <param name="parameterPrefix">Prefix of the parameter names (letters and digits), so fragments can share a command with other parameters.</param>
    public static VisibilitySqlFragment Translate(VisibilityQuery query, string parameterPrefix = "f")
    {
        var where = new Builder(parameterPrefix + "w");
        var whereSql = query.Filter is null ? "TRUE" : where.Condition(query.Filter).Sql;
        var order = new Builder(parameterPrefix + "o");
        var terms = query.OrderBy
            .Select(term => $"{order.SortExpression(term.Attribute)} {(term.Descending ? "DESC" : "ASC")} NULLS LAST")
            .Append(DefaultOrder);
        var groupBy = query.GroupBy.Count > 0 ? "status" : null;
        return new VisibilitySqlFragment(whereSql, where.Parameters, string.Join(", ", terms), order.Parameters, groupBy);
    }

    /// <summary>Temporal's default order: open runs first, then close time, start time, run id.</summary>
    public const string DefaultOrder = "COALESCE(close_time, 'infinity') DESC, start_time DESC, run_id ASC";

    private enum ColumnKind
    {
        Text,
        Status,
        Time,
        Number,
    }

    private sealed record Column(string Name, ColumnKind Kind, bool Nullable);

    private static Column ColumnOf(SystemField field) => field switch
    {
        SystemField.WorkflowId => new("workflow_id", ColumnKind.Text, false),
        SystemField.RunId => new("run_id", ColumnKind.Text, false),
        SystemField.WorkflowType => new("workflow_type", ColumnKind.Text, false),
        SystemField.TaskQueue => new("task_queue", ColumnKind.Text, false),
        SystemField.ExecutionStatus => new("status", ColumnKind.Status, false),
        SystemField.StartTime => new("start_time", ColumnKind.Time, false),
        SystemField.ExecutionTime => new("execution_time", ColumnKind.Time, false),
        SystemField.CloseTime => new("close_time", ColumnKind.Time, true),
        SystemField.ExecutionDuration => new("execution_duration", ColumnKind.Number, true),
        SystemField.HistoryLength => new("history_length", ColumnKind.Number, false),
        SystemField.HistorySizeBytes => new("history_size_bytes", ColumnKind.Number, false),
        SystemField.StateTransitionCount => new("state_transition_count", ColumnKind.Number, false),
        SystemField.ParentWorkflowId => new("parent_workflow_id", ColumnKind.Text, true),
        SystemField.ParentRunId => new("parent_run_id", ColumnKind.Text, true),
        SystemField.RootWorkflowId => new("root_workflow_id", ColumnKind.Text, true),
        _ => new("root_run_id", ColumnKind.Text, true),
    };

    // One translation: the SQL text grows by recursion over the filter, the parameters by Add.
    private sealed class Builder(string prefix)
    {
        private readonly List<SqlParameterValue> _parameters = [];
        private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);

        public IReadOnlyList<SqlParameterValue> Parameters => _parameters;

        /// <summary>The condition, and whether it can be NULL (which only a missing value causes).</summary>
        public (string Sql, bool Nullable) Condition(Filter filter)
        {
            switch (filter)
            {
                case AndFilter and:
                    return Join(and.Terms, " AND ");
                case OrFilter or:
                    return Join(or.Terms, " OR ");
                case NotFilter not:
                    var (operand, nullable) = Condition(not.Operand);
                    return (nullable ? $"NOT COALESCE({operand}, false)" : $"NOT ({operand})", false);
                case IsNullFilter isNull:
                    return (isNull.Attribute.Field is { } field
                        ? $"{ColumnOf(field).Name} IS NULL"
                        : $"search_attributes -> {Key(isNull.Attribute)} IS NULL", false);
                default:
                    return Atom(filter);
            }
        }

        private (string Sql, bool Nullable) Join(IReadOnlyList<Filter> terms, string separator)
        {
            var parts = terms.Select(Condition).ToList();
            return ("(" + string.Join(separator, parts.Select(part => part.Sql)) + ")", parts.Any(part => part.Nullable));
        }

        private (string Sql, bool Nullable) Atom(Filter filter)
        {
            var attribute = filter switch
            {
                ComparisonFilter comparison => comparison.Attribute,
                InFilter list => list.Attribute,
                BetweenFilter range => range.Attribute,
                _ => throw new InvalidOperationException($"unknown filter {filter.GetType().Name}"),
            };
            return attribute.Field is { } field ? SystemAtom(filter, ColumnOf(field)) : CustomAtom(filter, attribute);
        }

        private (string Sql, bool Nullable) SystemAtom(Filter filter, Column column)
        {
            var sql = filter switch
            {
                ComparisonFilter { Operator: ComparisonOperator.StartsWith, Value: StringLiteral prefixValue } =>
                    $"{column.Name} LIKE {Add(NpgsqlDbType.Text, LikePrefix(prefixValue.Value))}",
                ComparisonFilter comparison => $"{column.Name} {Symbol(comparison.Operator)} {Scalar(column.Kind, comparison.Value)}",
                BetweenFilter range => $"{column.Name} BETWEEN {Scalar(column.Kind, range.From)} AND {Scalar(column.Kind, range.To)}",
                InFilter list => $"{column.Name} = ANY({Array(column.Kind, list.Values)})",
                _ => throw new InvalidOperationException($"unknown filter {filter.GetType().Name}"),
            };
            return (sql, column.Nullable);
        }

        private string Scalar(ColumnKind kind, FilterValue value) => (kind, value) switch
        {
            (ColumnKind.Text, StringLiteral text) => Add(NpgsqlDbType.Text, text.Value),
            (ColumnKind.Status, StatusLiteral status) => Add(NpgsqlDbType.Smallint, (short)status.Value),
            (ColumnKind.Time, TimeLiteral time) => Add(NpgsqlDbType.TimestampTz, time.Value.UtcDateTime),
            (ColumnKind.Number, NumberLiteral { Value.IsWhole: true } number) => Add(NpgsqlDbType.Bigint, number.Value.Whole),
            (ColumnKind.Number, NumberLiteral number) => $"CAST({Add(NpgsqlDbType.Text, number.Value.ToDecimalText())} AS numeric)",
            _ => throw new InvalidOperationException($"a {value.GetType().Name} for a {kind} column"),
        };

        private string Array(ColumnKind kind, IReadOnlyList<FilterValue> values) => kind switch
        {
            ColumnKind.Text => Add(NpgsqlDbType.Array | NpgsqlDbType.Text, values.Cast<StringLiteral>().Select(v => v.Value).ToArray()),
            ColumnKind.Status => Add(NpgsqlDbType.Array | NpgsqlDbType.Smallint, values.Cast<StatusLiteral>().Select(v => (short)v.Value).ToArray()),
            ColumnKind.Time => Add(NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, values.Cast<TimeLiteral>().Select(v => v.Value.UtcDateTime).ToArray()),
            _ when values.Cast<NumberLiteral>().All(v => v.Value.IsWhole) =>
                Add(NpgsqlDbType.Array | NpgsqlDbType.Bigint, values.Cast<NumberLiteral>().Select(v => v.Value.Whole).ToArray()),
            _ => $"CAST({Add(NpgsqlDbType.Array | NpgsqlDbType.Text, values.Cast<NumberLiteral>().Select(v => v.Value.ToDecimalText()).ToArray())} AS numeric[])",
        };

        private (string Sql, bool Nullable) CustomAtom(Filter filter, SearchAttribute attribute)
        {
            switch (filter)
            {
                case ComparisonFilter { Operator: ComparisonOperator.Equal } equal when attribute.Type == IndexedValueType.Text:
                    var words = ((TextLiteral)equal.Value).Tokens.ToArray();
                    return ($"(text_words -> {Key(attribute)}) ?| {Add(NpgsqlDbType.Array | NpgsqlDbType.Text, words)}", true);
                case ComparisonFilter { Operator: ComparisonOperator.Equal } equal:
                    return (Contains(attribute, equal.Value), false);
                case InFilter list:
                    return ("(" + string.Join(" OR ", list.Values.Select(value => Contains(attribute, value))) + ")", false);
                case ComparisonFilter { Operator: ComparisonOperator.StartsWith, Value: StringLiteral prefixValue }:
                    return ($"starts_with(search_attributes ->> {Key(attribute)}, {Add(NpgsqlDbType.Text, prefixValue.Value)})", true);
                case ComparisonFilter comparison:
                    return ($"{Ordered(attribute)} {Symbol(comparison.Operator)} {OrderedValue(comparison.Value)}", true);
                case BetweenFilter range:
                    return ($"{Ordered(attribute)} BETWEEN {OrderedValue(range.From)} AND {OrderedValue(range.To)}", true);
                default:
                    throw new InvalidOperationException($"unknown filter {filter.GetType().Name}");
            }
        }

        // Containment of {"Type:Name": value} (for a KeywordList, of [value]): what =, IN and the GIN index share.
        private string Contains(SearchAttribute attribute, FilterValue value)
        {
            var json = PostgresVisibilityTable.Json(writer =>
            {
                writer.WritePropertyName(PostgresVisibilityTable.Key(attribute.Name, attribute.Type));
                switch (value)
                {
                    case StringLiteral text when attribute.Type == IndexedValueType.KeywordList:
                        writer.WriteStartArray();
                        writer.WriteStringValue(text.Value);
                        writer.WriteEndArray();
                        break;
                    case StringLiteral text: writer.WriteStringValue(text.Value); break;
                    case NumberLiteral number: writer.WriteRawValue(number.Value.ToDecimalText()); break;
                    case BoolLiteral flag: writer.WriteBooleanValue(flag.Value); break;
                    case TimeLiteral time: writer.WriteStringValue(PostgresVisibilityTable.DatetimeText(time.Value)); break;
                    default: throw new InvalidOperationException($"a {value.GetType().Name} for {attribute.Type} '{attribute.Name}'");
                }
            });
            return $"search_attributes @> {Add(NpgsqlDbType.Jsonb, json)}";
        }

        /// <summary>The attribute as an orderable SQL value; NULL when the execution has none.</summary>
        public string SortExpression(SearchAttribute attribute) =>
            attribute.Field is { } field ? ColumnOf(field).Name : Ordered(attribute);

        // Strings (Keyword, and Datetime in its fixed-width form) compare by code point; numbers and
        // booleans compare as jsonb, which orders numbers numerically and false before true.
        private string Ordered(SearchAttribute attribute) => attribute.Type is IndexedValueType.Keyword or IndexedValueType.Datetime
            ? $"(search_attributes ->> {Key(attribute)}) COLLATE \"C\""
            : $"(search_attributes -> {Key(attribute)})";

        private string OrderedValue(FilterValue value) => value switch
        {
            StringLiteral text => Add(NpgsqlDbType.Text, text.Value),
            TimeLiteral time => Add(NpgsqlDbType.Text, PostgresVisibilityTable.DatetimeText(time.Value)),
            NumberLiteral number => Add(NpgsqlDbType.Jsonb, number.Value.ToDecimalText()),
            _ => throw new InvalidOperationException($"cannot order by a {value.GetType().Name}"),
        };

        private string Key(SearchAttribute attribute)
        {
            var key = PostgresVisibilityTable.Key(attribute.Name, attribute.Type);
            if (!_keys.TryGetValue(key, out var parameter))
            {
                parameter = Add(NpgsqlDbType.Text, key);
                _keys[key] = parameter;
            }
            return parameter;
        }

        private string Add(NpgsqlDbType type, object value)
        {
            var name = prefix + _parameters.Count.ToString(CultureInfo.InvariantCulture);
            _parameters.Add(new SqlParameterValue(name, type, value));
            return "@" + name;
        }
    }

    private static string Symbol(ComparisonOperator op) => op switch
    {
        ComparisonOperator.Equal => "=",
        ComparisonOperator.Less => "<",
        ComparisonOperator.LessOrEqual => "<=",
        ComparisonOperator.Greater => ">",
        ComparisonOperator.GreaterOrEqual => ">=",
        _ => throw new InvalidOperationException($"no SQL symbol for {op}"),
    };

    // LIKE's default escape is the backslash: escape it and the two wildcards, then match any rest.
    private static string LikePrefix(string prefix) =>
        prefix.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal) + "%";
}
