using System.Text.RegularExpressions;
using EasyParkPlus.TemporalServer.Persistence;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>
/// Listing and counting runs. Strongly consistent: a run's record commits with its history. The list filter
/// language is parsed by <c>Visibility/</c>; until it is wired in, only an empty filter (everything, newest first)
/// and <c>GROUP BY ExecutionStatus</c> on counts are accepted, anything else is InvalidArgument.
/// </summary>
public sealed partial class VisibilityRpcs(IServerStore store, NamespaceRegistry namespaces)
{
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

    private async ValueTask<ListWorkflowExecutionsResponse> ListAsync(ListWorkflowExecutionsRequest r, RpcContext context)
    {
        var ns = namespaces.Require(r.Namespace);
        var filter = Filter(r.Query);
        var size = r.PageSize is > 0 and <= 1000 ? r.PageSize : 1000;
        var page = await store.ListExecutionsAsync(ns.Name, filter, size, r.NextPageToken.IsEmpty ? null : r.NextPageToken.ToByteArray(), context.CancellationToken);
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
        var query = r.Query ?? "";
        var groupByStatus = GroupByStatus().Match(query);
        if (groupByStatus.Success)
        {
            query = query[..groupByStatus.Index];
        }
        var filter = Filter(query);
        var records = new List<VisibilityRecord>();
        byte[]? token = null;
        do
        {
            var page = await store.ListExecutionsAsync(ns.Name, filter, 1000, token, context.CancellationToken);
            records.AddRange(page.Records);
            token = page.NextPageToken;
        }
        while (token is not null);
        var response = new CountWorkflowExecutionsResponse { Count = records.Count };
        if (groupByStatus.Success)
        {
            foreach (var group in records.GroupBy(x => x.Status))
            {
                var value = new Payload { Data = ByteString.CopyFromUtf8($"\"{StatusName(group.Key)}\"") };
                value.Metadata["encoding"] = ByteString.CopyFromUtf8("json/plain");
                response.Groups.Add(new CountWorkflowExecutionsResponse.Types.AggregationGroup { GroupValues = { value }, Count = group.Count() });
            }
        }
        return response;
    }

    private static Func<VisibilityRecord, bool> Filter(string? query)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            return static _ => true;
        }
        throw RpcError.InvalidArgument($"invalid query: list filters are not supported by this server yet: {query}");
    }

    public static string StatusName(WorkflowExecutionStatus status) => status switch
    {
        WorkflowExecutionStatus.Running => "Running",
        WorkflowExecutionStatus.Completed => "Completed",
        WorkflowExecutionStatus.Failed => "Failed",
        WorkflowExecutionStatus.Canceled => "Canceled",
        WorkflowExecutionStatus.Terminated => "Terminated",
        WorkflowExecutionStatus.ContinuedAsNew => "ContinuedAsNew",
        WorkflowExecutionStatus.TimedOut => "TimedOut",
        _ => "Unspecified",
    };

    [GeneratedRegex(@"\s*GROUP\s+BY\s+ExecutionStatus\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex GroupByStatus();
}
