using System.Security.Cryptography;
using System.Text;
using EasyParkPlus.Engine;
using EasyParkPlus.Engine.Store;

namespace EasyParkPlus.OcppGateway.Workflows;

internal static class WorkflowLookup
{
    /// <summary>The running execution of <paramref name="workflowType"/> whose search attributes hold all of <paramref name="attributes"/>.</summary>
    public static async Task<WorkflowExecutionInfo?> FindRunningAsync(this IWorkflowClient workflows, string workflowType,
        IReadOnlyDictionary<string, object?> attributes, CancellationToken cancellationToken)
    {
        var page = await workflows.ListWorkflowsAsync(new WorkflowListQuery
        {
            WorkflowType = workflowType,
            Statuses = [WorkflowStatus.Running],
            SearchAttributes = attributes,
            PageSize = 1,
        }, cancellationToken);
        return page.Executions.Count > 0 ? page.Executions[0] : null;
    }

    /// <summary>
    /// The same device event always yields the same id, so a redelivered event finds the workflow it already started.
    /// </summary>
    public static Guid StableId(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return new Guid(hash[..16]);
    }
}
