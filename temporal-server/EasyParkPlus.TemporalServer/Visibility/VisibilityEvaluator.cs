using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>
/// Evaluates bound filters against <see cref="VisibilityRecord"/>s in memory (the in-memory store's
/// List and Count). Its answers are the reference the PostgreSQL translation is tested against.
/// </summary>
public static class VisibilityEvaluator
{
    public static bool Matches(Filter filter, VisibilityRecord record) => filter switch
    {
        AndFilter and => All(and.Terms, record),
        OrFilter or => Any(or.Terms, record),
        NotFilter not => !Matches(not.Operand, record),
        ComparisonFilter comparison => Compare(comparison, record),
        InFilter list => Read(record, list.Attribute) is { } value && list.Values.Any(item => IsEqual(value, item)),
        BetweenFilter range => Read(record, range.Attribute) is { } value
            && CompareTo(value, range.From) >= 0 && CompareTo(value, range.To) <= 0,
        IsNullFilter isNull => Read(record, isNull.Attribute) is null,
        _ => throw new InvalidOperationException($"unknown filter {filter.GetType().Name}"),
    };

    /// <summary>The count of matching executions, and per group when the query groups (Temporal answers groups in no set order; ours are by status).</summary>
    public static VisibilityCount Count(VisibilityQuery query, IEnumerable<VisibilityRecord> records)
    {
        var matching = records.Where(query.Matches).ToList();
        if (query.GroupBy.Count == 0)
        {
            return new VisibilityCount(matching.Count, []);
        }
        var groups = matching
            .GroupBy(record => record.Status)
            .OrderBy(group => group.Key)
            .Select(group => new VisibilityCountGroup([new KeywordValue(VisibilityLiterals.StatusName(group.Key))], group.Count()))
            .ToList();
        return new VisibilityCount(matching.Count, groups);
    }

    private static bool All(IReadOnlyList<Filter> terms, VisibilityRecord record)
    {
        foreach (var term in terms)
        {
            if (!Matches(term, record))
            {
                return false;
            }
        }
        return true;
    }

    private static bool Any(IReadOnlyList<Filter> terms, VisibilityRecord record)
    {
        foreach (var term in terms)
        {
            if (Matches(term, record))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Compare(ComparisonFilter comparison, VisibilityRecord record)
    {
        if (Read(record, comparison.Attribute) is not { } value)
        {
            return false;
        }
        return comparison.Operator switch
        {
            ComparisonOperator.Equal => IsEqual(value, comparison.Value),
            ComparisonOperator.StartsWith => value is string text && comparison.Value is StringLiteral prefix
                && text.StartsWith(prefix.Value, StringComparison.Ordinal),
            ComparisonOperator.Less => CompareTo(value, comparison.Value) < 0,
            ComparisonOperator.LessOrEqual => CompareTo(value, comparison.Value) <= 0,
            ComparisonOperator.Greater => CompareTo(value, comparison.Value) > 0,
            _ => CompareTo(value, comparison.Value) >= 0,
        };
    }

    private static bool IsEqual(object value, FilterValue literal) => (value, literal) switch
    {
        (IReadOnlyList<string> list, StringLiteral item) => list.Contains(item.Value, StringComparer.Ordinal),
        (TextValue text, TextLiteral words) => words.Tokens.Any(text.Tokens.Contains),
        (WorkflowExecutionStatus status, StatusLiteral expected) => status == expected.Value,
        (bool flag, BoolLiteral expected) => flag == expected.Value,
        _ => CompareTo(value, literal) == 0,
    };

    private static int CompareTo(object value, FilterValue literal) => (value, literal) switch
    {
        (string text, StringLiteral other) => CodePointComparer.Instance.Compare(text, other.Value),
        (VisibilityNumber number, NumberLiteral other) => number.CompareTo(other.Value),
        (DateTimeOffset time, TimeLiteral other) => time.CompareTo(other.Value),
        _ => throw new InvalidOperationException($"cannot compare {value.GetType().Name} with {literal.GetType().Name}"),
    };

    /// <summary>
    /// The attribute's value in comparable form (string, number, time, status, bool, text, keyword
    /// list), or null when the execution has none, or has one of another type than the schema says.
    /// </summary>
    internal static object? Read(VisibilityRecord record, SearchAttribute attribute) => attribute.Field switch
    {
        SystemField.WorkflowId => record.WorkflowId,
        SystemField.RunId => record.RunId,
        SystemField.WorkflowType => record.WorkflowType,
        SystemField.TaskQueue => record.TaskQueue,
        SystemField.ExecutionStatus => record.Status,
        SystemField.StartTime => VisibilityTime.Truncate(record.StartTime),
        SystemField.ExecutionTime => VisibilityTime.Truncate(record.ExecutionTime),
        SystemField.CloseTime => record.CloseTime is { } closed ? VisibilityTime.Truncate(closed) : null,
        SystemField.ExecutionDuration => record.ExecutionDurationNanoseconds is { } duration ? VisibilityNumber.Of(duration) : null,
        SystemField.HistoryLength => VisibilityNumber.Of(record.HistoryLength),
        SystemField.HistorySizeBytes => VisibilityNumber.Of(record.HistorySizeBytes),
        SystemField.StateTransitionCount => VisibilityNumber.Of(record.StateTransitionCount),
        SystemField.ParentWorkflowId => record.ParentWorkflowId,
        SystemField.ParentRunId => record.ParentRunId,
        SystemField.RootWorkflowId => record.RootWorkflowId,
        SystemField.RootRunId => record.RootRunId,
        _ => record.SearchAttributes.TryGetValue(attribute.Name, out var stored) && stored.Type == attribute.Type
            ? stored switch
            {
                KeywordValue keyword => keyword.Value,
                TextValue text => text,
                IntValue integer => VisibilityNumber.Of(integer.Value),
                DoubleValue real => VisibilityNumber.Of(real.Value),
                BoolValue flag => flag.Value,
                DatetimeValue time => time.Value,
                KeywordListValue list => list.Values,
                _ => null,
            }
            : null,
    };
}

/// <summary>A count answer: the total, and the groups when the query had GROUP BY.</summary>
public sealed record VisibilityCount(long Count, IReadOnlyList<VisibilityCountGroup> Groups);

/// <summary>One group of a count: its values (for ExecutionStatus, the status name as a Keyword) and how many.</summary>
public sealed record VisibilityCountGroup(IReadOnlyList<SearchAttributeValue> Values, long Count);

/// <summary>
/// Orders strings by Unicode code point, which is the byte order of UTF-8 and so the order of
/// PostgreSQL's "C" collation (plain ordinal order differs for characters above the surrogates).
/// </summary>
public sealed class CodePointComparer : IComparer<string>
{
    public static CodePointComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }
        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var a = x[i];
            var b = y[i];
            if (a != b)
            {
                return Weight(a).CompareTo(Weight(b));
            }
        }
        return x.Length.CompareTo(y.Length);
    }

    // Surrogates (U+D800..U+DFFF) start code points above U+FFFF, so they move above U+E000..U+FFFF.
    private static int Weight(char c) => c >= '\uE000' ? c - 0x800 : c >= '\uD800' ? c + 0x2000 : c;
}
