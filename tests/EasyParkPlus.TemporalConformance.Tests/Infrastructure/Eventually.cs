using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;

namespace EasyParkPlus.TemporalConformance.Tests.Infrastructure;

/// <summary>Waits for another process (the server, the worker) to reach a state, polling with a deadline (no sleeps as waits).</summary>
public static class Eventually
{
    /// <summary>The server's own describe (with pending activities, children and workflow task), once it satisfies the condition.</summary>
    public static async Task<DescribeWorkflowExecutionResponse> DescribeRawAsync(ITemporalClient client, string workflowId, Func<DescribeWorkflowExecutionResponse, bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        var request = new DescribeWorkflowExecutionRequest { Namespace = client.Options.Namespace, Execution = new() { WorkflowId = workflowId } };
        while (true)
        {
            var description = await client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(request);
            if (condition(description) || DateTime.UtcNow > deadline)
            {
                return description;
            }
            await Task.Delay(50);
        }
    }

    /// <summary>A value read from the server, once it satisfies the condition (or the last one read at the deadline).</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var value = await read();
            if (condition(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }
            await Task.Delay(50);
        }
    }

    public static async Task<WorkflowExecutionDescription> DescribeAsync(WorkflowHandle handle, Func<WorkflowExecutionDescription, bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            try
            {
                var description = await handle.DescribeAsync();
                if (condition(description) || DateTime.UtcNow > deadline)
                {
                    return description;
                }
            }
            catch (Temporalio.Exceptions.RpcException e) when (e.Code == Temporalio.Exceptions.RpcException.StatusCode.NotFound && DateTime.UtcNow < deadline)
            {
            }
            await Task.Delay(50);
        }
    }
}
