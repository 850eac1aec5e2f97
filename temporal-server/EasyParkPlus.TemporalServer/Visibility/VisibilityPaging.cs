using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>One page of a list and the token of the next (null when the page was not full).</summary>
public sealed record VisibilityPage(IReadOnlyList<VisibilityRecord> Records, byte[]? NextPageToken);

/// <summary>
/// Keyset paging shared by both stores: a page continues after the sort key of the last execution the
/// previous page showed, so executions that start or close meanwhile neither repeat nor vanish from
/// the pages still to come (other than by moving in the order). A token is the query's order and that
/// key, as JSON; a page that comes back full gets one, as Temporal's SQL visibility does.
/// </summary>
public static class VisibilityPaging
{
    /// <summary>A page of <paramref name="records"/> (the in-memory store's list).</summary>
    /// <exception cref="VisibilityPageTokenException">The token is not one this query handed out.</exception>
    public static VisibilityPage List(VisibilityQuery query, IEnumerable<VisibilityRecord> records, int pageSize, ReadOnlySpan<byte> pageToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var ordering = new VisibilityOrdering(query.OrderBy);
        var after = Decode(pageToken, ordering);
        var page = records
            .Where(query.Matches)
            .Select(record => (Record: record, Key: ordering.KeyOf(record)))
            .Where(entry => after is null || ordering.CompareKeys(entry.Key, after) > 0)
            .OrderBy(entry => entry.Key, Comparer<object?[]>.Create(ordering.CompareKeys))
            .Take(pageSize)
            .ToList();
        return new VisibilityPage(
            page.Select(entry => entry.Record).ToList(),
            page.Count == pageSize ? Encode(ordering, page[^1].Key) : null);
    }

    /// <summary>The token that continues a full page whose last execution is <paramref name="last"/>.</summary>
    public static byte[] NextPageToken(VisibilityQuery query, VisibilityRecord last)
    {
        var ordering = new VisibilityOrdering(query.OrderBy);
        return Encode(ordering, ordering.KeyOf(last));
    }

    internal static byte[] Encode(VisibilityOrdering ordering, object?[] key)
    {
        var json = PostgresVisibilityTable.Json(writer =>
        {
            writer.WriteString("order", Signature(ordering));
            writer.WriteStartArray("after");
            foreach (var value in key)
            {
                switch (value)
                {
                    case null: writer.WriteNullValue(); break;
                    case string text: writer.WriteStringValue(text); break;
                    case VisibilityNumber number: writer.WriteRawValue(number.ToDecimalText()); break;
                    case DateTimeOffset time: writer.WriteStringValue(PostgresVisibilityTable.DatetimeText(time)); break;
                    case bool flag: writer.WriteBooleanValue(flag); break;
                    case WorkflowExecutionStatus status: writer.WriteNumberValue((int)status); break;
                    default: throw new InvalidOperationException($"cannot page by a {value.GetType().Name}");
                }
            }
            writer.WriteEndArray();
        });
        return Encoding.UTF8.GetBytes(json);
    }

    /// <summary>The sort key a token continues after, or null for the first page (an empty token).</summary>
    internal static object?[]? Decode(ReadOnlySpan<byte> token, VisibilityOrdering ordering)
    {
        if (token.IsEmpty)
        {
            return null;
        }
        if (!Utf8.IsValid(token))
        {
            throw new VisibilityPageTokenException("it is not a visibility page token");
        }
        try
        {
            using var document = JsonDocument.Parse(token.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("order", out var order) || order.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("after", out var after) || after.ValueKind != JsonValueKind.Array)
            {
                throw new VisibilityPageTokenException("it is not a visibility page token");
            }
            if (order.GetString() != Signature(ordering) || after.GetArrayLength() != ordering.Terms.Count)
            {
                throw new VisibilityPageTokenException("it belongs to a query with another order");
            }
            return after.EnumerateArray().Zip(ordering.Terms, Value).ToArray();
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            // Malformed JSON, or a string escape that is no text (a lone surrogate).
            throw new VisibilityPageTokenException("it is not a visibility page token");
        }
    }

    private static object? Value(JsonElement element, SortTerm term)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return term.Name is VisibilityOrdering.StartTime or VisibilityOrdering.RunId && term.Attribute is null
                ? throw new VisibilityPageTokenException($"it has no {term.Name}")
                : null;
        }
        object? value = (Kind(term), element.ValueKind) switch
        {
            (ValueKind.Text, JsonValueKind.String) => element.GetString(),
            (ValueKind.Time, JsonValueKind.String) => VisibilityLiterals.ParseTime(element.GetString()!),
            (ValueKind.Whole, JsonValueKind.Number) => element.TryGetInt64(out var whole) ? VisibilityNumber.Of(whole) : null,
            (ValueKind.Real, JsonValueKind.Number) => element.TryGetDouble(out var real) && double.IsFinite(real) ? VisibilityNumber.Of(real) : null,
            (ValueKind.Flag, JsonValueKind.True or JsonValueKind.False) => element.GetBoolean(),
            (ValueKind.Status, JsonValueKind.Number) => element.TryGetInt64(out var number) ? VisibilityLiterals.StatusFromNumber(number) : null,
            _ => null,
        };
        return value ?? throw new VisibilityPageTokenException($"its {term.Name} is not a valid value");
    }

    private enum ValueKind
    {
        Text,
        Time,
        Whole,
        Real,
        Flag,
        Status,
    }

    private static ValueKind Kind(SortTerm term) => term.Attribute switch
    {
        null => term.Name == VisibilityOrdering.RunId ? ValueKind.Text : ValueKind.Time,
        { Field: SystemField.ExecutionStatus } => ValueKind.Status,
        { Type: IndexedValueType.Datetime } => ValueKind.Time,
        { Type: IndexedValueType.Int } => ValueKind.Whole,
        { Type: IndexedValueType.Double } => ValueKind.Real,
        { Type: IndexedValueType.Bool } => ValueKind.Flag,
        _ => ValueKind.Text,
    };

    private static string Signature(VisibilityOrdering ordering) => string.Join(",", ordering.Terms.Select(term =>
        string.Create(CultureInfo.InvariantCulture, $"{term.Name}:{term.Attribute?.Type}:{(term.Descending ? "desc" : "asc")}")));
}
