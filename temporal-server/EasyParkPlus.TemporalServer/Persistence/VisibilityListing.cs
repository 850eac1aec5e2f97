using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Visibility;
using Temporalio.Api.Common.V1;
using IndexedRecord = EasyParkPlus.TemporalServer.Visibility.VisibilityRecord;

namespace EasyParkPlus.TemporalServer.Persistence;

/// <summary>
/// Lists and counts over stored visibility records with the list-filter language of <c>Visibility/</c>, for a store
/// that evaluates filters in memory (the in-memory store; a SQL store translates the same query instead and must give
/// the same rows, order, pages and counts).
/// </summary>
public static class VisibilityListing
{
    /// <summary>One page of the records <paramref name="query"/> accepts, in its order, continuing after <paramref name="pageToken"/>.</summary>
    /// <exception cref="VisibilityPageTokenException">The token is not one this query handed out.</exception>
    public static VisibilityPage List(VisibilityQuery query, IEnumerable<VisibilityRecord> records, int pageSize, byte[]? pageToken)
    {
        var byRun = new Dictionary<string, VisibilityRecord>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            byRun[record.Key.RunId] = record;
        }
        var page = VisibilityPaging.List(query, byRun.Values.Select(Indexed), pageSize, pageToken ?? []);
        return new VisibilityPage([.. page.Records.Select(indexed => byRun[indexed.RunId])], page.NextPageToken);
    }

    /// <summary>How many records <paramref name="query"/> accepts, per execution status when it groups.</summary>
    public static VisibilityCount Count(VisibilityQuery query, IEnumerable<VisibilityRecord> records) =>
        VisibilityEvaluator.Count(query, records.Select(Indexed));

    /// <summary>
    /// The record as filters see it. Search attribute values are decoded by the type each payload names in its
    /// <c>type</c> metadata (the server stamps it when it accepts a value); a value that no longer decodes is left out.
    /// </summary>
    public static IndexedRecord Indexed(VisibilityRecord record) => new()
    {
        WorkflowId = record.Key.WorkflowId,
        RunId = record.Key.RunId,
        WorkflowType = record.WorkflowType,
        TaskQueue = record.TaskQueue,
        Status = record.Status,
        StartTime = record.StartTime,
        ExecutionTime = record.ExecutionTime,
        CloseTime = record.CloseTime,
        HistoryLength = record.HistoryLength,
        HistorySizeBytes = record.HistorySizeBytes,
        StateTransitionCount = record.StateTransitionCount,
        ParentWorkflowId = NullIfEmpty(record.ParentExecution?.WorkflowId),
        ParentRunId = NullIfEmpty(record.ParentExecution?.RunId),
        RootWorkflowId = NullIfEmpty(record.RootExecution?.WorkflowId),
        RootRunId = NullIfEmpty(record.RootExecution?.RunId),
        SearchAttributes = Decode(record.SearchAttributes),
    };

    private static Dictionary<string, SearchAttributeValue> Decode(SearchAttributes attributes)
    {
        var values = new Dictionary<string, SearchAttributeValue>(StringComparer.Ordinal);
        foreach (var (name, payload) in attributes.IndexedFields)
        {
            if (!payload.Metadata.TryGetValue(SearchAttributeValues.TypeMetadataKey, out var typeName)
                || SearchAttributeValues.ParseTypeName(typeName.ToStringUtf8()) is not { } type)
            {
                continue;
            }
            try
            {
                if (SearchAttributePayloads.Decode(name, payload, type) is { } value)
                {
                    values[name] = value;
                }
            }
            catch (VisibilityArgumentException)
            {
                // Accepted under an older rule; filters cannot match it, lists still show it.
            }
        }
        return values;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
