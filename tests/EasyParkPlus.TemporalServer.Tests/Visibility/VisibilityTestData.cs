using System.Globalization;
using EasyParkPlus.TemporalServer.Visibility;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Tests.Visibility;

/// <summary>A namespace with one custom attribute of every type, records to match, and a printable form of bound filters.</summary>
internal static class VisibilityTestData
{
    public static readonly DateTimeOffset T0 = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    public static SearchAttributeSchema Schema { get; } = new(new Dictionary<string, IndexedValueType>
    {
        ["CustomerId"] = IndexedValueType.Keyword,
        ["Tags"] = IndexedValueType.KeywordList,
        ["Notes"] = IndexedValueType.Text,
        ["Attempts"] = IndexedValueType.Int,
        ["Score"] = IndexedValueType.Double,
        ["Vip"] = IndexedValueType.Bool,
        ["DueAt"] = IndexedValueType.Datetime,
        ["Space Name"] = IndexedValueType.Keyword,
    });

    public static VisibilityRecord Record(
        string workflowId,
        string runId,
        WorkflowExecutionStatus status = WorkflowExecutionStatus.Running,
        DateTimeOffset? start = null,
        DateTimeOffset? close = null,
        string workflowType = "ParkingSession",
        params (string Name, SearchAttributeValue Value)[] attributes) => new()
        {
            WorkflowId = workflowId,
            RunId = runId,
            WorkflowType = workflowType,
            TaskQueue = "easypark",
            Status = status,
            StartTime = start ?? T0,
            ExecutionTime = start ?? T0,
            CloseTime = close,
            HistoryLength = 3,
            SearchAttributes = attributes.ToDictionary(pair => pair.Name, pair => pair.Value),
        };

    /// <summary>The bound filter as an S-expression, for exact expectations on what a query means.</summary>
    public static string Render(Filter? filter) => filter switch
    {
        null => "ALL",
        AndFilter and => $"(AND {string.Join(" ", and.Terms.Select(Render))})",
        OrFilter or => $"(OR {string.Join(" ", or.Terms.Select(Render))})",
        NotFilter not => $"(NOT {Render(not.Operand)})",
        ComparisonFilter comparison => $"({Symbol(comparison.Operator)} {comparison.Attribute.Name} {Render(comparison.Value)})",
        InFilter list => $"(IN {list.Attribute.Name} {string.Join(" ", list.Values.Select(Render))})",
        BetweenFilter range => $"(BETWEEN {range.Attribute.Name} {Render(range.From)} {Render(range.To)})",
        IsNullFilter isNull => $"(NULL {isNull.Attribute.Name})",
        _ => throw new InvalidOperationException(filter.GetType().Name),
    };

    public static string Render(FilterValue value) => value switch
    {
        StringLiteral text => $"'{text.Value}'",
        TextLiteral text => $"text'{text.Value}'[{string.Join(",", text.Tokens)}]",
        NumberLiteral number => number.Value.IsWhole ? number.Value.ToDecimalText() : number.Value.ToDecimalText() + "d",
        BoolLiteral flag => flag.Value ? "true" : "false",
        TimeLiteral time => time.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        StatusLiteral status => status.Value.ToString(),
        _ => throw new InvalidOperationException(value.GetType().Name),
    };

    private static string Symbol(ComparisonOperator op) => op switch
    {
        ComparisonOperator.Equal => "=",
        ComparisonOperator.Less => "<",
        ComparisonOperator.LessOrEqual => "<=",
        ComparisonOperator.Greater => ">",
        ComparisonOperator.GreaterOrEqual => ">=",
        _ => "STARTS_WITH",
    };
}
