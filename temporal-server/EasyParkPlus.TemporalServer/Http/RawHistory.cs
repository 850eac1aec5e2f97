using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Temporalio.Api.Common.V1;
using Temporalio.Api.WorkflowService.V1;

namespace EasyParkPlus.TemporalServer.Http;

/// <summary>
/// The UI server's own download of a run's whole history (<c>.../workflows/{id}/run/{runId}/history.json</c>, the
/// history page's "Download" button): every page of GetWorkflowExecutionHistory, as one JSON array of events.
/// </summary>
internal static class RawHistory
{
    public const string Route = "/api/v1/namespaces/{namespace}/workflows/{workflowId}/run/{runId}/history.json";

    private static readonly Google.Protobuf.Reflection.MethodDescriptor GetHistory =
        Temporalio.Api.WorkflowService.V1.ServiceReflection.Descriptor.Services.Single().FindMethodByName("GetWorkflowExecutionHistory");

    public static async Task<ContentHttpResult> HandleAsync(
        string @namespace, string workflowId, string runId, IApiMethodInvoker invoker, CancellationToken cancel)
    {
        var json = new StringBuilder("[");
        var request = new GetWorkflowExecutionHistoryRequest
        {
            Namespace = @namespace,
            Execution = new WorkflowExecution { WorkflowId = workflowId, RunId = runId },
        };
        try
        {
            do
            {
                var page = (GetWorkflowExecutionHistoryResponse)await invoker.InvokeAsync(GetHistory, request, cancel);
                foreach (var historyEvent in page.History?.Events ?? [])
                {
                    json.Append(json.Length > 1 ? "," : "").Append(ApiJson.Formatter.Format(historyEvent));
                }
                request.NextPageToken = page.NextPageToken;
            }
            while (!request.NextPageToken.IsEmpty);
        }
        catch (RpcException ex)
        {
            var status = ApiErrors.FromException(ex);
            return TypedResults.Content(ApiJson.Formatter.Format(status), "application/json", Encoding.UTF8, ApiErrors.HttpStatus(ex.StatusCode));
        }
        return TypedResults.Content(json.Append(']').ToString(), "application/json", Encoding.UTF8);
    }
}
