using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>
/// What visibility knows of one workflow execution (one run): the system fields and the typed search
/// attributes. The stores keep one per run; filters are evaluated against it.
/// </summary>
public sealed record VisibilityRecord
{
    public required string WorkflowId { get; init; }

    public required string RunId { get; init; }

    public required string WorkflowType { get; init; }

    public required string TaskQueue { get; init; }

    public required WorkflowExecutionStatus Status { get; init; }

    public required DateTimeOffset StartTime { get; init; }

    /// <summary>When the first workflow task may run (later than the start for a delayed or cron start).</summary>
    public required DateTimeOffset ExecutionTime { get; init; }

    /// <summary>Null while the run is open.</summary>
    public DateTimeOffset? CloseTime { get; init; }

    public long HistoryLength { get; init; }

    public long HistorySizeBytes { get; init; }

    public long StateTransitionCount { get; init; }

    public string? ParentWorkflowId { get; init; }

    public string? ParentRunId { get; init; }

    public string? RootWorkflowId { get; init; }

    public string? RootRunId { get; init; }

    /// <summary>Custom and predefined search attributes by name; an attribute that is unset is absent.</summary>
    public IReadOnlyDictionary<string, SearchAttributeValue> SearchAttributes { get; init; } = new Dictionary<string, SearchAttributeValue>();

    /// <summary>
    /// Close time minus execution time, in nanoseconds at visibility's microsecond resolution (Temporal's
    /// definition); null while the run is open.
    /// </summary>
    public long? ExecutionDurationNanoseconds => CloseTime is { } closed
        ? Saturate((VisibilityTime.Truncate(closed) - VisibilityTime.Truncate(ExecutionTime)).Ticks)
        : null;

    private static long Saturate(long ticks) =>
        ticks > long.MaxValue / 100 ? long.MaxValue : ticks < long.MinValue / 100 ? long.MinValue : ticks * 100;
}

/// <summary>A typed search attribute value, one case per Temporal <see cref="IndexedValueType"/>.</summary>
public abstract record SearchAttributeValue
{
    private protected SearchAttributeValue()
    {
    }

    public abstract IndexedValueType Type { get; }
}

public sealed record KeywordValue(string Value) : SearchAttributeValue
{
    public override IndexedValueType Type => IndexedValueType.Keyword;
}

/// <summary>Full text: a filter's <c>=</c> matches when any of its words is one of these words.</summary>
public sealed record TextValue : SearchAttributeValue
{
    public TextValue(string value)
    {
        Value = value;
        Tokens = TextTokens.Of(value);
    }

    public string Value { get; }

    /// <summary>The distinct lower-case words of the value (letters and digits; everything else separates).</summary>
    public IReadOnlyList<string> Tokens { get; }

    public override IndexedValueType Type => IndexedValueType.Text;

    public bool Equals(TextValue? other) => other is not null && other.Value == Value;

    public override int GetHashCode() => Value.GetHashCode(StringComparison.Ordinal);
}

public sealed record IntValue(long Value) : SearchAttributeValue
{
    public override IndexedValueType Type => IndexedValueType.Int;
}

public sealed record DoubleValue : SearchAttributeValue
{
    public DoubleValue(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A Double search attribute must be a finite number.");
        }
        Value = value + 0.0; // -0 is 0, as once it is stored as a JSON number
    }

    public double Value { get; }

    public override IndexedValueType Type => IndexedValueType.Double;
}

public sealed record BoolValue(bool Value) : SearchAttributeValue
{
    public override IndexedValueType Type => IndexedValueType.Bool;
}

/// <summary>A point in time, kept at visibility's resolution (microseconds, UTC), as Temporal's SQL stores keep it.</summary>
public sealed record DatetimeValue : SearchAttributeValue
{
    public DatetimeValue(DateTimeOffset value) => Value = VisibilityTime.Truncate(value);

    public DateTimeOffset Value { get; }

    public override IndexedValueType Type => IndexedValueType.Datetime;
}

/// <summary>A list of keywords; a filter's <c>=</c> means "contains".</summary>
public sealed record KeywordListValue(IReadOnlyList<string> Values) : SearchAttributeValue
{
    public override IndexedValueType Type => IndexedValueType.KeywordList;

    public bool Equals(KeywordListValue? other) => other is not null && Values.SequenceEqual(other.Values, StringComparer.Ordinal);

    public override int GetHashCode() => Values.Count == 0 ? 0 : HashCode.Combine(Values.Count, Values[0]);
}

/// <summary>Visibility keeps times at microsecond resolution in UTC (PostgreSQL's <c>timestamptz</c>).</summary>
public static class VisibilityTime
{
    public static DateTimeOffset Truncate(DateTimeOffset time)
    {
        var utc = time.UtcTicks;
        return new DateTimeOffset(utc - (utc % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }
}
