using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>
/// A list filter parsed and checked against one namespace's search attributes: the filter (null means
/// every execution), the ORDER BY terms of a list and the GROUP BY attributes of a count.
/// </summary>
/// <remarks>
/// Semantics, the same in memory and in SQL: a comparison with an attribute the execution does not
/// have is false, and <c>!=</c>, <c>NOT IN</c>, <c>NOT STARTS_WITH</c>, <c>NOT BETWEEN</c> and
/// <c>NOT</c> are the plain negation of their positive form (so <c>CustomerId != 'a'</c> includes the
/// executions without a CustomerId, as Temporal's Elasticsearch visibility does). Results come in the
/// ORDER BY terms (missing values last), then Temporal's default order: open runs first, then close
/// time descending, start time descending, run id.
/// </remarks>
public sealed record VisibilityQuery(Filter? Filter, IReadOnlyList<OrderTerm> OrderBy, IReadOnlyList<SearchAttribute> GroupBy)
{
    /// <summary>Every execution, in the default order.</summary>
    public static VisibilityQuery All { get; } = new(null, [], []);

    /// <summary>
    /// The query of ListWorkflowExecutions or ScanWorkflowExecutions (and the Web UI's list): a filter
    /// and an optional ORDER BY. GROUP BY is refused.
    /// </summary>
    /// <exception cref="ListFilterException">The query is malformed or does not fit the schema.</exception>
    public static VisibilityQuery ForList(string? query, SearchAttributeSchema schema)
    {
        var bound = ListFilterBinder.Bind(ListFilterParser.Parse(query), schema);
        return bound.GroupBy.Count > 0
            ? throw new ListFilterException("'GROUP BY' is only supported when counting executions", null)
            : bound;
    }

    /// <summary>
    /// The query of CountWorkflowExecutions: a filter and an optional <c>GROUP BY ExecutionStatus</c>.
    /// ORDER BY is ignored, as in Temporal, unless it is combined with GROUP BY, which is refused.
    /// </summary>
    /// <exception cref="ListFilterException">The query is malformed or does not fit the schema.</exception>
    public static VisibilityQuery ForCount(string? query, SearchAttributeSchema schema)
    {
        var bound = ListFilterBinder.Bind(ListFilterParser.Parse(query), schema);
        if (bound.GroupBy.Count > 0 && bound.OrderBy.Count > 0)
        {
            throw new ListFilterException("'ORDER BY' cannot be combined with 'GROUP BY'", null);
        }
        return bound with { OrderBy = [] };
    }

    /// <summary>Whether the execution passes the filter.</summary>
    public bool Matches(VisibilityRecord record) => Filter is null || VisibilityEvaluator.Matches(Filter, record);

    /// <summary>The order of a list: the ORDER BY terms, then the default order (a total order: run ids are unique).</summary>
    public IComparer<VisibilityRecord> Ordering => new VisibilityOrdering(OrderBy);
}

public sealed record OrderTerm(SearchAttribute Attribute, bool Descending);

/// <summary>A node of a bound filter.</summary>
public abstract record Filter;

public sealed record AndFilter(IReadOnlyList<Filter> Terms) : Filter;

public sealed record OrFilter(IReadOnlyList<Filter> Terms) : Filter;

/// <summary>Negation; <c>!=</c>, <c>NOT IN</c>, <c>NOT STARTS_WITH</c>, <c>NOT BETWEEN</c> and <c>IS NOT NULL</c> are bound to it.</summary>
public sealed record NotFilter(Filter Operand) : Filter;

public enum ComparisonOperator
{
    Equal,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    StartsWith,
}

/// <summary>
/// <c>attribute op value</c>. On a KeywordList, <c>=</c> means "contains"; on a Text, <c>=</c> means
/// "shares a word".
/// </summary>
public sealed record ComparisonFilter(SearchAttribute Attribute, ComparisonOperator Operator, FilterValue Value) : Filter;

/// <summary><c>attribute IN (values)</c>: equal to one of them (on a KeywordList, contains one of them).</summary>
public sealed record InFilter(SearchAttribute Attribute, IReadOnlyList<FilterValue> Values) : Filter;

/// <summary><c>attribute BETWEEN from AND to</c>, both bounds included.</summary>
public sealed record BetweenFilter(SearchAttribute Attribute, FilterValue From, FilterValue To) : Filter;

/// <summary><c>attribute IS NULL</c>: the execution has no value for it.</summary>
public sealed record IsNullFilter(SearchAttribute Attribute) : Filter;

/// <summary>A literal of a filter, already converted to its attribute's type.</summary>
public abstract record FilterValue;

/// <summary>A Keyword (or KeywordList element) value.</summary>
public sealed record StringLiteral(string Value) : FilterValue;

/// <summary>A Text value and the words it matches on.</summary>
public sealed record TextLiteral(string Value, IReadOnlyList<string> Tokens) : FilterValue;

/// <summary>An Int or Double value (integers stay exact; ExecutionDuration is in nanoseconds).</summary>
public sealed record NumberLiteral(VisibilityNumber Value) : FilterValue;

public sealed record BoolLiteral(bool Value) : FilterValue;

/// <summary>A Datetime value at microsecond resolution, UTC.</summary>
public sealed record TimeLiteral(DateTimeOffset Value) : FilterValue;

public sealed record StatusLiteral(WorkflowExecutionStatus Value) : FilterValue;
