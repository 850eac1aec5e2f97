using System.Linq.Expressions;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace EasyParkPlus.Api.Endpoints;

/// <summary>Who may see a business workflow: operators any, a driver only those whose CustomerId search attribute is theirs.</summary>
public static class WorkflowAccess
{
    /// <summary>The workflow's description when it exists and the caller may see it; null otherwise (answer 404 either way).</summary>
    public static async Task<WorkflowExecutionDescription?> DescribeVisibleAsync(this ITemporalClient client, string workflowId, ClaimsPrincipal user, CancellationToken ct)
    {
        var description = await client.DescribeOrNullAsync(workflowId, ct);
        if (description is null || user.IsOperator())
        {
            return description;
        }
        var me = user.CustomerId()?.ToString();
        return me is not null && description.TypedSearchAttributes.TryGetValue(EasyParkSearchAttributes.CustomerId, out var owner) && owner == me
            ? description
            : null;
    }

    /// <summary>The latest run's description, or null when there is no such workflow.</summary>
    public static async Task<WorkflowExecutionDescription?> DescribeOrNullAsync(this ITemporalClient client, string workflowId, CancellationToken ct)
    {
        try
        {
            return await client.GetWorkflowHandle(workflowId).DescribeAsync(new() { Rpc = new() { CancellationToken = ct } });
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Runs the workflow's Status query and gives its answer in the api's JSON; null when the run cannot answer.</summary>
    public static async Task<JsonElement?> StatusAsync(this ITemporalClient client, WorkflowExecutionDescription description, CancellationToken ct)
    {
        if (WorkflowCatalog.Business.Find(description.WorkflowType)?.StatusType is not { } type)
        {
            return null;
        }
        try
        {
            var raw = await client.GetWorkflowHandle(description.Id, description.RunId).QueryAsync<JsonElement>(
                "Status", [], new() { RejectCondition = QueryRejectCondition.None, Rpc = new() { CancellationToken = ct } });
            return WorkflowJson.Reshape(raw, type);
        }
        catch (Exception e) when (e is WorkflowQueryFailedException or WorkflowQueryRejectedException or RpcException)
        {
            return null;
        }
    }

    /// <summary>A completed run's result in the api's JSON; null while it runs or when it ended otherwise.</summary>
    public static Task<JsonElement?> ResultAsync(this ITemporalClient client, WorkflowExecutionDescription description, CancellationToken ct) =>
        client.ResultAsync(description, WorkflowCatalog.Business, ct);

    /// <summary>A completed run's result in the api's JSON, for a type <paramref name="catalog"/> knows.</summary>
    public static async Task<JsonElement?> ResultAsync(
        this ITemporalClient client, WorkflowExecutionDescription description, WorkflowCatalog catalog, CancellationToken ct)
    {
        if (description.Status != WorkflowExecutionStatus.Completed || catalog.Find(description.WorkflowType)?.ResultType is not { } type)
        {
            return null;
        }
        try
        {
            var raw = await client.GetWorkflowHandle(description.Id, description.RunId)
                .GetResultAsync<JsonElement>(followRuns: false, new() { CancellationToken = ct });
            return WorkflowJson.Reshape(raw, type);
        }
        catch (Exception e) when (e is WorkflowFailedException or RpcException)
        {
            return null;
        }
    }

    /// <summary>
    /// The id of what a request starts: derived from the caller and its Idempotency-Key when it sent one, so a retry that
    /// missed the stored response names the same workflow (Temporal then refuses a second start), random otherwise.
    /// </summary>
    public static Guid NewId(HttpContext http)
    {
        if (SessionEndpoints.RequestId(http) is not { } requestId)
        {
            return Guid.NewGuid();
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(requestId), hash);
        return new Guid(hash[..16]);
    }

    /// <summary>Starts the workflow; with an Idempotency-Key, a start that already happened (<see cref="NewId"/>) is the same success.</summary>
    public static async Task StartOnceAsync<TWorkflow, TResult>(
        this ITemporalClient client, Expression<Func<TWorkflow, Task<TResult>>> run, HttpContext http, WorkflowOptions options)
    {
        var retriable = SessionEndpoints.RequestId(http) is not null;
        if (retriable)
        {
            options.IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate;
        }
        try
        {
            await client.StartWorkflowAsync(run, options);
        }
        catch (WorkflowAlreadyStartedException) when (retriable)
        {
        }
    }

    /// <summary>The run's status as the api has always spelled it (Running, Completed, Failed, ...).</summary>
    public static string StatusName(this WorkflowExecutionStatus status) => status switch
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
}
