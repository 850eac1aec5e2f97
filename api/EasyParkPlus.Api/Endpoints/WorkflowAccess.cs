using System.Security.Claims;
using System.Text.Json;
using EasyParkPlus.Api.Auth;
using EasyParkPlus.Engine;
using EasyParkPlus.Engine.Store;

namespace EasyParkPlus.Api.Endpoints;

/// <summary>Who may see a business workflow: operators any, a driver only those whose CustomerId search attribute is theirs.</summary>
public static class WorkflowAccess
{
    /// <summary>The workflow's description when it exists and the caller may see it; null otherwise (answer 404 either way).</summary>
    public static async Task<WorkflowExecutionDescription?> DescribeVisibleAsync(this IWorkflowClient client, string workflowId, ClaimsPrincipal user, CancellationToken ct)
    {
        WorkflowExecutionDescription description;
        try
        {
            description = await client.DescribeWorkflowAsync(workflowId, cancellationToken: ct);
        }
        catch (WorkflowNotFoundException)
        {
            return null;
        }
        if (user.IsOperator())
        {
            return description;
        }
        var me = user.CustomerId()?.ToString();
        return me is not null && description.Execution.SearchAttributes.TryGetValue("CustomerId", out var owner)
            && owner.ValueKind == JsonValueKind.String && owner.GetString() == me
            ? description
            : null;
    }

    /// <summary>Runs the workflow's Status query; null when the history cannot answer yet.</summary>
    public static async Task<JsonElement?> StatusAsync(this IWorkflowClient client, string workflowId, string runId, CancellationToken ct)
    {
        try
        {
            return await client.QueryWorkflowAsync(workflowId, runId, "Status", PayloadConverter.ToArguments([], []), ct);
        }
        catch (WorkflowQueryFailedException)
        {
            return null;
        }
    }
}
