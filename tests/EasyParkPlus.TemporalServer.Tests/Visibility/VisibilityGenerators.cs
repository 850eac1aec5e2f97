using System.Globalization;
using EasyParkPlus.TemporalServer.Visibility;
using FsCheck;
using FsCheck.Fluent;
using Temporalio.Api.Enums.V1;
using static EasyParkPlus.TemporalServer.Tests.Visibility.VisibilityTestData;

namespace EasyParkPlus.TemporalServer.Tests.Visibility;

/// <summary>
/// Random executions and random list filters over <see cref="VisibilityTestData.Schema"/>, drawn from
/// small value sets so that equal, neighbouring and missing values meet often; strings include the
/// ones collations, LIKE and quoting get wrong.
/// </summary>
internal static class VisibilityGenerators
{
    public static readonly string[] Keywords =
        ["a", "b", "ab", "abc", "B", "é", "e\u0301", "😀", "\uFF21", "a%", "a_b", "a_", "", "x\\y", "it's", "say \"hi\"", "c-1", "c-2", "wf-1"];

    public static readonly string[] WorkflowIds = ["wf-1", "wf-2", "wf-10", "wf_1", "wf%", "order-1", "order-22", "ORDER-3", "é-1"];

    private static readonly string[] Prefixes = ["wf", "wf-1", "wf_", "wf%", "o", "order-", "", "é", "a", "a_", "\\", "x\\"];

    private static readonly TimeSpan[] Offsets =
    [
        TimeSpan.Zero, TimeSpan.FromTicks(7), TimeSpan.FromTicks(10), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1),
        TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(-1), TimeSpan.FromDays(-400),
    ];

    private static readonly long[] Ints = [-5, 0, 1, 2, 3, 10, 1000, long.MaxValue, long.MinValue];

    private static readonly double[] Doubles = [-1.5, 0, 0.1, 0.5, 2.5, 3, 1e20, 1e-30, 9007199254740993d, 2.9999999999999996, -0.0];

    private static readonly string[] Texts = ["alpha beta", "Beta-gamma", "delta", "ÉPIC win", "alpha", "x1 y2"];

    private static readonly string[] Words = ["alpha", "BETA", "gamma delta", "épic", "win-lose", "x1", "nothing"];

    private static readonly string[] Tags = ["ev", "vip", "a", "é", "a%"];

    private static readonly WorkflowExecutionStatus[] Statuses = Enum.GetValues<WorkflowExecutionStatus>()
        .Where(status => status != WorkflowExecutionStatus.Unspecified).ToArray();

    public static Gen<List<VisibilityRecord>> Records(int count) =>
        Gen.ListOf(Execution, count).Select(records => records
            .Select((record, i) => record with { RunId = $"{i * 7919 % 1009:D4}-{i}" })
            .ToList());

    private static Gen<VisibilityRecord> Execution =>
        from workflowId in Gen.Elements(WorkflowIds)
        from workflowType in Gen.Elements("ParkingSession", "ChargingSession", "Reservation")
        from status in Gen.Elements(Statuses)
        from start in Gen.Elements(Offsets).Select(offset => T0 + offset)
        from delay in Gen.Elements(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMinutes(1))
        from runFor in Gen.Elements(TimeSpan.FromTicks(10), TimeSpan.FromMinutes(10), TimeSpan.FromHours(2), TimeSpan.FromDays(1))
        from historyLength in Gen.Choose(1, 40)
        from parent in Gen.Elements<string?>(null, null, "parent-1", "parent-2")
        from attributes in Attributes
        select new VisibilityRecord
        {
            WorkflowId = workflowId,
            RunId = "",
            WorkflowType = workflowType,
            TaskQueue = historyLength % 3 == 0 ? "other" : "easypark",
            Status = status,
            StartTime = start,
            ExecutionTime = start + delay,
            CloseTime = status == WorkflowExecutionStatus.Running ? null : start + delay + runFor,
            HistoryLength = historyLength,
            ParentWorkflowId = parent,
            SearchAttributes = attributes,
        };

    private static Gen<Dictionary<string, SearchAttributeValue>> Attributes =>
        from customer in Maybe(Gen.Elements(Keywords).Select(v => (SearchAttributeValue)new KeywordValue(v)))
        from space in Maybe(Gen.Elements(Keywords).Select(v => (SearchAttributeValue)new KeywordValue(v)))
        from tags in Maybe(Gen.SubListOf(Tags).Select(v => (SearchAttributeValue)new KeywordListValue(v.ToList())))
        from notes in Maybe(Gen.Elements(Texts).Select(v => (SearchAttributeValue)new TextValue(v)))
        from attempts in Maybe(Gen.Elements(Ints).Select(v => (SearchAttributeValue)new IntValue(v)))
        from score in Maybe(Gen.Elements(Doubles).Select(v => (SearchAttributeValue)new DoubleValue(v)))
        from vip in Maybe(Gen.Elements(true, false).Select(v => (SearchAttributeValue)new BoolValue(v)))
        from due in Maybe(Gen.Elements(Offsets).Select(v => (SearchAttributeValue)new DatetimeValue(T0 + v)))
        select new (string Name, SearchAttributeValue? Value)[]
            {
                ("CustomerId", customer), ("Space Name", space), ("Tags", tags), ("Notes", notes), ("Attempts", attempts),
                ("Score", score), ("Vip", vip), ("DueAt", due),
            }
            .Where(pair => pair.Value is not null)
            .ToDictionary(pair => pair.Name, pair => pair.Value!);

    private static Gen<SearchAttributeValue?> Maybe(Gen<SearchAttributeValue> value) =>
        Gen.Frequency((2, Gen.Constant<SearchAttributeValue?>(null)), (3, value.Select(v => (SearchAttributeValue?)v)));

    // Built once per size (generators are values), so drawing a filter does not rebuild the tree of generators.
    private static readonly Gen<string>[] ExpressionOfSize = BuildExpressions(12);

    private static Gen<string>[] BuildExpressions(int largest)
    {
        var bySize = new Gen<string>[largest + 1];
        bySize[0] = bySize[1] = Predicate;
        for (var size = 2; size <= largest; size++)
        {
            bySize[size] = Expression(size, bySize);
        }
        return bySize;
    }

    /// <summary>A filter (without ORDER BY or GROUP BY) of up to a few levels.</summary>
    public static Gen<string> Filter { get; } = Gen.Sized(size => ExpressionOfSize[Math.Clamp(size, 1, 12)]);

    /// <summary>An ORDER BY clause or nothing.</summary>
    public static Gen<string> OrderBy =>
        Gen.Frequency(
            (1, Gen.Constant("")),
            (3, from terms in Gen.ListOf(OrderTerm, 1).Or(Gen.ListOf(OrderTerm, 2))
                select " ORDER BY " + string.Join(", ", terms)));

    private static Gen<string> OrderTerm =>
        from name in Gen.Elements("StartTime", "CloseTime", "ExecutionTime", "WorkflowId", "WorkflowType", "ExecutionStatus",
            "HistoryLength", "ExecutionDuration", "CustomerId", "`Space Name`", "Attempts", "Score", "Vip", "DueAt", "ParentWorkflowId")
        from direction in Gen.Elements("", " ASC", " DESC", " desc")
        select name + direction;

    private static Gen<string> Expression(int size, Gen<string>[] smaller) => Gen.Frequency(
            (3, Predicate),
            (2, Gen.Zip(smaller[size / 2], smaller[size / 2]).SelectMany(pair => Gen.Elements(" AND ", " and ", " && ").Select(op => pair.Item1 + op + pair.Item2))),
            (2, Gen.Zip(smaller[size / 2], smaller[size / 2]).SelectMany(pair => Gen.Elements(" OR ", " or ", " || ").Select(op => pair.Item1 + op + pair.Item2))),
            (1, smaller[size / 2].Select(inner => "NOT " + inner)),
            (2, smaller[size - 1].Select(inner => "(" + inner + ")")));

    private static Gen<string> Predicate => Gen.OneOf(KeywordPredicate, StatusPredicate, TimePredicate, NumberPredicate, OtherPredicate);

    private static Gen<string> KeywordPredicate =>
        from name in Gen.Elements("WorkflowId", "WorkflowType", "TaskQueue", "ParentWorkflowId", "CustomerId", "`Space Name`")
        from value in Gen.Elements(Keywords.Concat(WorkflowIds).Concat(["ParkingSession", "easypark", "parent-1"]).ToArray()).Select(Quote)
        from other in Gen.Elements(Keywords.Concat(WorkflowIds).ToArray()).Select(Quote)
        from prefix in Gen.Elements(Prefixes).Select(Quote)
        from predicate in Gen.Elements(
            $"{name} = {value}", $"{name} != {value}", $"{name} <> {value}", $"{name} < {value}", $"{name} <= {value}", $"{name} > {value}",
            $"{name} >= {value}", $"{name} STARTS_WITH {prefix}", $"{name} NOT STARTS_WITH {prefix}", $"{name} IN ({value}, {other})",
            $"{name} NOT IN ({value})", $"{name} BETWEEN {value} AND {other}", $"{name} NOT BETWEEN {value} AND {other}",
            $"{name} IS NULL", $"{name} IS NOT NULL")
        select predicate;

    private static Gen<string> StatusPredicate =>
        from value in Gen.Elements("'Running'", "\"Completed\"", "'WORKFLOW_EXECUTION_STATUS_FAILED'", "5", "'TimedOut'", "'ContinuedAsNew'")
        from other in Gen.Elements("'Canceled'", "2", "'Running'")
        from predicate in Gen.Elements(
            $"ExecutionStatus = {value}", $"ExecutionStatus != {value}", $"ExecutionStatus IN ({value}, {other})", $"ExecutionStatus NOT IN ({value})")
        select predicate;

    private static Gen<string> TimePredicate =>
        from name in Gen.Elements("StartTime", "ExecutionTime", "CloseTime", "DueAt")
        from value in TimeLiteral
        from other in TimeLiteral
        from predicate in Gen.Elements(
            $"{name} = {value}", $"{name} != {value}", $"{name} < {value}", $"{name} <= {value}", $"{name} > {value}", $"{name} >= {value}",
            $"{name} BETWEEN {value} AND {other}", $"{name} NOT BETWEEN {value} AND {other}", $"{name} IN ({value}, {other})",
            $"{name} IS NULL", $"{name} IS NOT NULL")
        select predicate;

    private static Gen<string> TimeLiteral =>
        from offset in Gen.Elements(Offsets.Concat([TimeSpan.FromMinutes(11), TimeSpan.FromHours(3)]).ToArray())
        from zone in Gen.Elements(TimeSpan.Zero, TimeSpan.FromHours(-5), new TimeSpan(5, 30, 0))
        from form in Gen.Choose(0, 3)
        select form switch
        {
            0 => (T0 + offset).UtcTicks % 10 == 0
                ? ((T0 + offset - DateTimeOffset.UnixEpoch).Ticks * 100).ToString(CultureInfo.InvariantCulture)
                : $"'{(T0 + offset).ToOffset(zone):yyyy-MM-ddTHH:mm:ss.fffffffzzz}'",
            1 => $"\"{(T0 + offset).ToOffset(zone):yyyy-MM-ddTHH:mm:ss.fffffffzzz}\"",
            2 => $"'{(T0 + offset).ToOffset(zone):yyyy-MM-ddTHH:mm:ss.ffffff}{(zone == TimeSpan.Zero ? "Z" : (T0 + offset).ToOffset(zone).ToString("zzz", CultureInfo.InvariantCulture))}'",
            _ => $"'{(T0 + offset).UtcDateTime:yyyy-MM-ddTHH:mm:ss}Z'",
        };

    private static Gen<string> NumberPredicate =>
        from name in Gen.Elements("HistoryLength", "Attempts", "Score", "ExecutionDuration")
        from value in name == "ExecutionDuration" ? DurationLiteral : NumberLiteral
        from other in name == "ExecutionDuration" ? DurationLiteral : NumberLiteral
        from predicate in Gen.Elements(
            $"{name} = {value}", $"{name} != {value}", $"{name} < {value}", $"{name} <= {value}", $"{name} > {value}", $"{name} >= {value}",
            $"{name} BETWEEN {value} AND {other}", $"{name} NOT BETWEEN {value} AND {other}", $"{name} IN ({value}, {other})",
            $"{name} NOT IN ({value})", $"{name} IS NULL", $"{name} IS NOT NULL")
        select predicate;

    private static Gen<string> NumberLiteral => Gen.Elements(
        "-5", "0", "1", "2", "3", "3.0", "2.5", "10", "12", "1000", "0.1", "0.5", "-1.5", "1e20", "1e-30", "2.9999999999999996",
        "9007199254740993", "9223372036854775807", "-9223372036854775808", "99999999999999999999", "-0.0");

    private static Gen<string> DurationLiteral => Gen.Elements(
        "'10m'", "'2h'", "\"1d\"", "'1h59m'", "'119m59.9999999s'", "'00:10:00'", "600000000000", "0", "'100ns'", "'1us'", "'1.5h'", "'-1m'");

    private static Gen<string> OtherPredicate => Gen.OneOf(
        Gen.Elements("Vip = true", "Vip = false", "Vip != true", "Vip IN (true)", "Vip NOT IN (false, true)", "Vip IS NULL"),
        from tag in Gen.Elements(Tags.Append("none").ToArray()).Select(Quote)
        from predicate in Gen.Elements($"Tags = {tag}", $"Tags != {tag}", $"Tags IN ({tag}, 'vip')", $"Tags NOT IN ({tag})", "Tags IS NULL", "Tags IS NOT NULL")
        select predicate,
        from words in Gen.Elements(Words).Select(Quote)
        from predicate in Gen.Elements($"Notes = {words}", $"Notes != {words}", "Notes IS NULL")
        select predicate);

    /// <summary>A string literal, in single or double quotes, its quotes and backslashes escaped.</summary>
    public static string Quote(string value)
    {
        var escaped = value.Replace("\\", "\\\\", StringComparison.Ordinal);
        return value.Length % 2 == 0
            ? "'" + escaped.Replace("'", "''", StringComparison.Ordinal) + "'"
            : "\"" + escaped.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}
