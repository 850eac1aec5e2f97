using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>
/// The order of a list: each ORDER BY term (missing values last, whatever the direction), then
/// Temporal's default order: open runs first, then close time descending, start time descending, and
/// run id ascending so that no two executions tie.
/// </summary>
internal sealed class VisibilityOrdering(IReadOnlyList<OrderTerm> terms) : IComparer<VisibilityRecord>
{
    public int Compare(VisibilityRecord? x, VisibilityRecord? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }
        foreach (var term in terms)
        {
            var a = VisibilityEvaluator.Read(x, term.Attribute);
            var b = VisibilityEvaluator.Read(y, term.Attribute);
            var order = CompareNullsLast(a, b, term.Descending);
            if (order != 0)
            {
                return order;
            }
        }
        var byClose = (y.CloseTime is { } yc ? VisibilityTime.Truncate(yc) : DateTimeOffset.MaxValue)
            .CompareTo(x.CloseTime is { } xc ? VisibilityTime.Truncate(xc) : DateTimeOffset.MaxValue);
        if (byClose != 0)
        {
            return byClose;
        }
        var byStart = VisibilityTime.Truncate(y.StartTime).CompareTo(VisibilityTime.Truncate(x.StartTime));
        return byStart != 0 ? byStart : CodePointComparer.Instance.Compare(x.RunId, y.RunId);
    }

    /// <summary>Compares two values of one attribute as read by <see cref="VisibilityEvaluator.Read"/>.</summary>
    internal static int CompareNullsLast(object? a, object? b, bool descending)
    {
        if (a is null || b is null)
        {
            return a is null ? (b is null ? 0 : 1) : -1;
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
        return descending ? -order : order;
    }
}
