using System.Globalization;
using NpgsqlTypes;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>
/// Writes one SQL statement's conditions and ORDER BY over <see cref="PostgresVisibilityTable"/>: the
/// text grows by recursion over the filter, the values go to <see cref="Parameters"/> (attribute keys
/// too; nothing a user wrote is ever part of the text).
/// </summary>
internal sealed class PostgresFilterBuilder(string prefix)
{
    private readonly List<SqlParameterValue> _parameters = [];
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);

    private enum ColumnKind
    {
        Text,
        Status,
        Time,
        Number,
    }

    private sealed record Column(string Name, ColumnKind Kind, bool Nullable);

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
            case ComparisonFilter or InFilter or BetweenFilter:
                var attribute = filter switch
                {
                    ComparisonFilter comparison => comparison.Attribute,
                    InFilter list => list.Attribute,
                    _ => ((BetweenFilter)filter).Attribute,
                };
                return attribute.Field is { } system ? SystemAtom(filter, ColumnOf(system)) : CustomAtom(filter, attribute);
            default:
                throw new InvalidOperationException($"unknown filter {filter.GetType().Name}");
        }
    }

    /// <summary>The ORDER BY list of the terms.</summary>
    public string OrderBy(IReadOnlyList<SortTerm> terms) => string.Join(", ", terms.Select(term =>
        $"{SortExpression(term)} {(term.Descending ? "DESC" : "ASC")} {(term.NullsFirst ? "NULLS FIRST" : "NULLS LAST")}"));

    /// <summary>
    /// The rows that sort after <paramref name="key"/>: for some term, equal on every term before it
    /// and after it on that term (keyset paging).
    /// </summary>
    public string After(IReadOnlyList<SortTerm> terms, object?[] key)
    {
        var disjuncts = new List<string>();
        var equalBefore = new List<string>();
        for (var i = 0; i < terms.Count; i++)
        {
            var term = terms[i];
            var expression = SortExpression(term);
            var value = key[i] is { } present ? SortValue(term, present) : null;
            var beyond = value is null
                ? (term.NullsFirst ? $"{expression} IS NOT NULL" : null)
                : term.NullsFirst
                    ? $"{expression} {(term.Descending ? "<" : ">")} {value}"
                    : $"({expression} {(term.Descending ? "<" : ">")} {value} OR {expression} IS NULL)";
            if (beyond is not null)
            {
                disjuncts.Add("(" + string.Join(" AND ", equalBefore.Append(beyond)) + ")");
            }
            equalBefore.Add(value is null ? $"{expression} IS NULL" : $"{expression} = {value}");
        }
        return disjuncts.Count == 0 ? "FALSE" : "(" + string.Join(" OR ", disjuncts) + ")";
    }

    private string SortExpression(SortTerm term) => term.Attribute switch
    {
        { Field: { } field } => ColumnOf(field).Name,
        { } custom => Ordered(custom),
        null => term.Name switch
        {
            VisibilityOrdering.CloseTime => "close_time",
            VisibilityOrdering.StartTime => "start_time",
            _ => "run_id",
        },
    };

    // A sort key value as a parameter of the type its sort expression has.
    private string SortValue(SortTerm term, object value)
    {
        var kind = term.Attribute switch
        {
            { Field: { } field } => ColumnOf(field).Kind,
            { } custom => (ColumnKind?)null,
            null => term.Name == VisibilityOrdering.RunId ? ColumnKind.Text : ColumnKind.Time,
        };
        return (kind, value) switch
        {
            (ColumnKind.Text, string text) => Add(NpgsqlDbType.Text, text),
            (ColumnKind.Status, WorkflowExecutionStatus status) => Add(NpgsqlDbType.Smallint, (short)status),
            (ColumnKind.Time, DateTimeOffset time) => Add(NpgsqlDbType.TimestampTz, time.UtcDateTime),
            (ColumnKind.Number, VisibilityNumber number) => Scalar(ColumnKind.Number, new NumberLiteral(number)),
            (null, string text) => Add(NpgsqlDbType.Text, text),
            (null, DateTimeOffset time) => Add(NpgsqlDbType.Text, PostgresVisibilityTable.DatetimeText(time)),
            (null, VisibilityNumber number) => Add(NpgsqlDbType.Jsonb, number.ToDecimalText()),
            (null, bool flag) => Add(NpgsqlDbType.Jsonb, flag ? "true" : "false"),
            _ => throw new InvalidOperationException($"a {value.GetType().Name} for the sort term {term.Name}"),
        };
    }

    private (string Sql, bool Nullable) Join(IReadOnlyList<Filter> terms, string separator)
    {
        var parts = terms.Select(Condition).ToList();
        return ("(" + string.Join(separator, parts.Select(part => part.Sql)) + ")", parts.Any(part => part.Nullable));
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
            case ComparisonFilter { Operator: ComparisonOperator.Equal, Value: TextLiteral words }:
                return ($"(text_words -> {Key(attribute)}) ?| {Add(NpgsqlDbType.Array | NpgsqlDbType.Text, words.Tokens.ToArray())}", true);
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

    public string Add(NpgsqlDbType type, object value)
    {
        var name = prefix + _parameters.Count.ToString(CultureInfo.InvariantCulture);
        _parameters.Add(new SqlParameterValue(name, type, value));
        return "@" + name;
    }

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
