using System.Text.Json;
using EasyParkPlus.Api.Endpoints;
using Temporalio.Client;

namespace EasyParkPlus.Api.Tests.Support;

/// <summary>What tests read from Temporal directly, in the api's JSON so they assert the same names the api answers with.</summary>
public static class TemporalReads
{
    /// <summary>
    /// The closed run's result (the worker runs in the api process); waits for it rather than sleeping. A business
    /// workflow's result reads as the api writes it; another's (a test workflow's) as Temporal carries it.
    /// </summary>
    public static async Task<JsonElement> WorkflowResultAsync(this ITemporalClient client, string workflowId)
    {
        var handle = client.GetWorkflowHandle(workflowId);
        var raw = await handle.GetResultAsync<JsonElement>().WaitAsync(TimeSpan.FromSeconds(60));
        var description = await handle.DescribeAsync();
        return WorkflowCatalog.Business.Find(description.WorkflowType)?.ResultType is { } type ? WorkflowJson.Reshape(raw, type) : raw;
    }

    /// <summary>The runs a list filter finds (Temporal's list-filter language), every page.</summary>
    public static async Task<List<WorkflowExecution>> ListAllAsync(this ITemporalClient client, string query)
    {
        var runs = new List<WorkflowExecution>();
        await foreach (var run in client.ListWorkflowsAsync(query))
        {
            runs.Add(run);
        }
        return runs;
    }
}
