using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>One key of the order: which value, which direction, and where executions without it go.</summary>
internal sealed record SortTerm(string Name, SearchAttribute? Attribute, bool Descending, bool NullsFirst);

/// <summary>
/// The order of a list: each ORDER BY term (missing values last, whatever the direction), then
/// Temporal's default order: open runs first, then close time descending, start time descending, and
/// run id ascending so that no two executions tie. Pages continue after the sort key of the last
/// execution shown (keyset paging), so both stores page the same way.
/// </summary>
internal sealed class VisibilityOrdering : IComparer<VisibilityRecord>
{
    public const string CloseTime = "CloseTime";
    public const string StartTime = "StartTime";
    public const string RunId = "RunId";

    public VisibilityOrdering(IReadOnlyList<OrderTerm> orderBy)
    {
        Terms =
        [
            .. orderBy.Select(term => new SortTerm(term.Attribute.Name, term.Attribute, term.Descending, NullsFirst: false)),
            new SortTerm(CloseTime, null, Descending: true, NullsFirst: true),
            new SortTerm(StartTime, null, Descending: true, NullsFirst: false),
            new SortTerm(RunId, null, Descending: false, NullsFirst: false),
        ];
    }

    public IReadOnlyList<SortTerm> Terms { get; }

    /// <summary>The values of every term for one execution (strings, numbers, times, bools, statuses, or null).</summary>
    public object?[] KeyOf(VisibilityRecord record)
    {
        var key = new object?[Terms.Count];
        for (var i = 0; i < key.Length; i++)
        {
            var term = Terms[i];
            key[i] = term.Attribute is { } attribute ? VisibilityEvaluator.Read(record, attribute) : term.Name switch
            {
                CloseTime => record.CloseTime is { } closed ? VisibilityTime.Truncate(closed) : null,
                StartTime => VisibilityTime.Truncate(record.StartTime),
                _ => record.RunId,
            };
        }
        return key;
    }

    public int Compare(VisibilityRecord? x, VisibilityRecord? y) =>
        x is null || y is null ? (x is null ? (y is null ? 0 : -1) : 1) : CompareKeys(KeyOf(x), KeyOf(y));

    public int CompareKeys(object?[] a, object?[] b)
    {
        for (var i = 0; i < Terms.Count; i++)
        {
            var order = CompareValues(a[i], b[i], Terms[i]);
            if (order != 0)
            {
                return order;
            }
        }
        return 0;
    }

    private static int CompareValues(object? a, object? b, SortTerm term)
    {
        if (a is null || b is null)
        {
            var nullFirst = a is null ? (b is null ? 0 : -1) : 1;
            return term.NullsFirst ? nullFirst : -nullFirst;
        }
        var order = (a, b) switch
        {
            (string x, string y) => CodePointComparer.Instance.Compare(x, y),
            (VisibilityNumber x, VisibilityNumber y) => x.CompareTo(y),
            (DateTimeOffset x, DateTimeOffset y) => x.CompareTo(y),
            (bool x, bool y) => x.CompareTo(y),
            (WorkflowExecutionStatus x, WorkflowExecutionStatus y) => ((int)x).CompareTo((int)y),
            _ => throw new InvalidOperationException($"cannot order {a.GetType().Name} and {b.GetType().Name}"),
        };
        return term.Descending ? -order : order;
    }
}
