using System.Runtime.CompilerServices;
using EasyParkPlus.TemporalServer.Persistence;
using EasyParkPlus.TemporalServer.Visibility;
using Google.Protobuf;
using Temporalio.Api.WorkflowService.V1;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>
/// Listing and counting runs with Temporal's list-filter language (parsed and bound by <c>Visibility/</c> against the
/// namespace's search attributes; a bad filter or page token is InvalidArgument). Strongly consistent: a run's record
/// commits with its history, so a run is listed as soon as its start (or upsert) returns.
/// </summary>
public sealed class VisibilityRpcs(IServerStore store, NamespaceRegistry namespaces)
{
    /// <summary>Temporal's largest (and default) page.</summary>
    private const int MaxPageSize = 1000;

    // A namespace record is replaced, never changed, when its attributes change: one schema per record.
    private static readonly ConditionalWeakTable<NamespaceRecord, SearchAttributeSchema> Schemas = new();

    public void Map(RpcRegistry registry)
    {
        var ws = RpcRegistry.WorkflowService;
        registry.Map<ListWorkflowExecutionsRequest, ListWorkflowExecutionsResponse>(ws, "ListWorkflowExecutions", ListAsync);
        registry.Map<ScanWorkflowExecutionsRequest, ScanWorkflowExecutionsResponse>(ws, "ScanWorkflowExecutions", async (r, c) =>
        {
            var list = await ListAsync(new ListWorkflowExecutionsRequest { Namespace = r.Namespace, PageSize = r.PageSize, NextPageToken = r.NextPageToken, Query = r.Query }, c);
            return new ScanWorkflowExecutionsResponse { Executions = { list.Executions }, NextPageToken = list.NextPageToken };
        });
        registry.Map<CountWorkflowExecutionsRequest, CountWorkflowExecutionsResponse>(ws, "CountWorkflowExecutions", CountAsync);
    }

    /// <summary>The search attributes a filter on this namespace may name.</summary>
    public static SearchAttributeSchema Schema(NamespaceRecord ns) => Schemas.GetValue(ns, static n =>
        new SearchAttributeSchema(n.SearchAttributes.Where(a => !SearchAttributeSchema.IsReserved(a.Key)).ToDictionary(StringComparer.Ordinal)));

    private async ValueTask<ListWorkflowExecutionsResponse> ListAsync(ListWorkflowExecutionsRequest r, RpcContext context)
    {
        var ns = namespaces.Require(r.Namespace);
        if (r.PageSize < 0)
        {
            throw RpcError.InvalidArgument("Invalid PageSize.");
        }
        var query = VisibilityQuery.ForList(r.Query, Schema(ns));
        var size = r.PageSize is > 0 and <= MaxPageSize ? r.PageSize : MaxPageSize;
        var page = await store.ListExecutionsAsync(ns.Name, query, size, r.NextPageToken.IsEmpty ? null : r.NextPageToken.ToByteArray(), context.CancellationToken);
        var response = new ListWorkflowExecutionsResponse();
        response.Executions.AddRange(page.Records.Select(DescribeRpcs.ExecutionInfo));
        if (page.NextPageToken is { } next)
        {
            response.NextPageToken = ByteString.CopyFrom(next);
        }
        return response;
    }

    private async ValueTask<CountWorkflowExecutionsResponse> CountAsync(CountWorkflowExecutionsRequest r, RpcContext context)
    {
        var ns = namespaces.Require(r.Namespace);
        var query = VisibilityQuery.ForCount(r.Query, Schema(ns));
        var count = await store.CountExecutionsAsync(ns.Name, query, context.CancellationToken);
        var response = new CountWorkflowExecutionsResponse { Count = count.Count };
        foreach (var group in count.Groups)
        {
            response.Groups.Add(new CountWorkflowExecutionsResponse.Types.AggregationGroup
            {
                GroupValues = { group.Values.Select(SearchAttributePayloads.Encode) },
                Count = group.Count,
            });
        }
        return response;
    }
}
