using System.Linq.Expressions;
using System.Text.Json;
using EasyParkPlus.Engine.Definitions;
using EasyParkPlus.Engine.Store;

namespace EasyParkPlus.Engine;

/// <summary>A workflow id (and optionally one run) to act on.</summary>
public class WorkflowHandle(IWorkflowClient client, string workflowId, string? runId = null, string? firstRunId = null)
{
    /// <summary>The client the handle uses.</summary>
    protected IWorkflowClient Client { get; } = client;

    /// <summary>The workflow id.</summary>
    public string WorkflowId { get; } = workflowId;

    /// <summary>The run this handle is bound to; null follows the latest run of the id.</summary>
    public string? RunId { get; } = runId;

    /// <summary>The run this handle started, if it came from a start.</summary>
    public string? FirstRunId { get; } = firstRunId;

    /// <summary>Sends a signal by name with its arguments.</summary>
    public Task SignalAsync(string signalName, IReadOnlyList<object?> arguments, string? requestId = null, CancellationToken cancellationToken = default) =>
        Client.SignalWorkflowAsync(WorkflowId, RunId, signalName, PayloadConverter.ToArguments(arguments, [.. arguments.Select(a => a?.GetType() ?? typeof(object))]),
            requestId, cancellationToken);

    /// <summary>Runs a query by name.</summary>
    public async Task<TResult> QueryAsync<TResult>(string queryName, IReadOnlyList<object?>? arguments = null, CancellationToken cancellationToken = default)
    {
        arguments ??= [];
        var result = await Client.QueryWorkflowAsync(WorkflowId, RunId, queryName,
            PayloadConverter.ToArguments(arguments, [.. arguments.Select(a => a?.GetType() ?? typeof(object))]), cancellationToken).ConfigureAwait(false);
        return (TResult)PayloadConverter.FromPayload(result, typeof(TResult))!;
    }

    /// <summary>Waits for the result (following continue-as-new from the run this handle started).</summary>
    public async Task<TResult> GetResultAsync<TResult>(CancellationToken cancellationToken = default)
    {
        var result = await Client.GetWorkflowResultAsync(WorkflowId, RunId ?? FirstRunId, followRuns: true, cancellationToken).ConfigureAwait(false);
        return (TResult)PayloadConverter.FromPayload(result, typeof(TResult))!;
    }

    /// <summary>Waits for the run to close.</summary>
    public Task WaitAsync(CancellationToken cancellationToken = default) =>
        Client.GetWorkflowResultAsync(WorkflowId, RunId ?? FirstRunId, followRuns: true, cancellationToken);

    /// <summary>Describes the run.</summary>
    public Task<WorkflowExecutionDescription> DescribeAsync(CancellationToken cancellationToken = default) =>
        Client.DescribeWorkflowAsync(WorkflowId, RunId, cancellationToken);

    /// <summary>Asks the run to cancel.</summary>
    public Task CancelAsync(string? reason = null, CancellationToken cancellationToken = default) =>
        Client.CancelWorkflowAsync(WorkflowId, RunId, reason, cancellationToken);

    /// <summary>Terminates the run.</summary>
    public Task TerminateAsync(string? reason = null, CancellationToken cancellationToken = default) =>
        Client.TerminateWorkflowAsync(WorkflowId, RunId, reason, cancellationToken);

    /// <summary>The run's history.</summary>
    public Task<IReadOnlyList<HistoryEvent>> FetchHistoryAsync(CancellationToken cancellationToken = default) =>
        Client.GetWorkflowHistoryAsync(WorkflowId, RunId, cancellationToken);

    /// <summary>The run's history as JSON, for replay tests (replay it with the testing package's WorkflowReplayer).</summary>
    public async Task<string> ExportHistoryJsonAsync(CancellationToken cancellationToken = default)
    {
        var run = await DescribeAsync(cancellationToken).ConfigureAwait(false);
        var events = await Client.GetWorkflowHistoryAsync(WorkflowId, run.Execution.RunId, cancellationToken).ConfigureAwait(false);
        return HistoryJson.Serialize(WorkflowId, run.Execution.RunId, events);
    }
}

/// <summary>A handle whose signals and queries are named by expressions on the workflow class.</summary>
public class WorkflowHandle<TWorkflow>(IWorkflowClient client, string workflowId, string? runId = null, string? firstRunId = null)
    : WorkflowHandle(client, workflowId, runId, firstRunId)
{
    /// <summary>Sends the signal the expression calls, e.g. <c>wf =&gt; wf.VehicleExitedAsync(exit)</c>.</summary>
    public Task SignalAsync(Expression<Func<TWorkflow, Task>> signal, string? requestId = null, CancellationToken cancellationToken = default)
    {
        var (method, arguments) = CallExpressions.Read(signal, "A signal");
        var definition = WorkflowDefinition.For(typeof(TWorkflow)).SignalFor(method);
        return Client.SignalWorkflowAsync(WorkflowId, RunId, definition.Name, PayloadConverter.ToArguments(arguments, definition.ParameterTypes), requestId, cancellationToken);
    }

    /// <summary>Runs the query the expression names, e.g. <c>wf =&gt; wf.Status</c>.</summary>
    public async Task<TResult> QueryAsync<TResult>(Expression<Func<TWorkflow, TResult>> query, CancellationToken cancellationToken = default)
    {
        var member = CallExpressions.ReadMember(query, "A query");
        var definition = WorkflowDefinition.For(typeof(TWorkflow)).QueryFor(member);
        var arguments = query.Body is MethodCallExpression ? CallExpressions.Read(query, "A query").Arguments : [];
        var result = await Client.QueryWorkflowAsync(WorkflowId, RunId, definition.Name, PayloadConverter.ToArguments(arguments, definition.ParameterTypes),
            cancellationToken).ConfigureAwait(false);
        return (TResult)PayloadConverter.FromPayload(result, typeof(TResult))!;
    }
}

/// <summary>A typed handle that also knows the result type.</summary>
public sealed class WorkflowHandle<TWorkflow, TResult>(IWorkflowClient client, string workflowId, string? runId = null, string? firstRunId = null)
    : WorkflowHandle<TWorkflow>(client, workflowId, runId, firstRunId)
{
    /// <summary>Waits for the workflow's result.</summary>
    /// <exception cref="WorkflowFailedException">The workflow failed, was cancelled, terminated or timed out.</exception>
    public Task<TResult> GetResultAsync(CancellationToken cancellationToken = default) => GetResultAsync<TResult>(cancellationToken);
}

/// <summary>The typed, expression-based way to start workflows.</summary>
public static class WorkflowClientExtensions
{
    /// <summary>Starts the workflow the expression runs, e.g. <c>(ParkingSession wf) =&gt; wf.RunAsync(input)</c>.</summary>
    public static async Task<WorkflowHandle<TWorkflow, TResult>> StartWorkflowAsync<TWorkflow, TResult>(this IWorkflowClient client,
        Expression<Func<TWorkflow, Task<TResult>>> run, WorkflowOptions options, CancellationToken cancellationToken = default)
    {
        var (definition, input) = Workflow.ReadRunCall(run);
        var handle = await client.StartWorkflowAsync(definition.Name, input, options, cancellationToken).ConfigureAwait(false);
        return new WorkflowHandle<TWorkflow, TResult>(client, handle.WorkflowId, null, handle.FirstRunId);
    }

    /// <summary>Starts a workflow without a result.</summary>
    public static async Task<WorkflowHandle<TWorkflow>> StartWorkflowAsync<TWorkflow>(this IWorkflowClient client,
        Expression<Func<TWorkflow, Task>> run, WorkflowOptions options, CancellationToken cancellationToken = default)
    {
        var (definition, input) = Workflow.ReadRunCall(run);
        var handle = await client.StartWorkflowAsync(definition.Name, input, options, cancellationToken).ConfigureAwait(false);
        return new WorkflowHandle<TWorkflow>(client, handle.WorkflowId, null, handle.FirstRunId);
    }

    /// <summary>Starts a workflow and waits for its result.</summary>
    public static async Task<TResult> ExecuteWorkflowAsync<TWorkflow, TResult>(this IWorkflowClient client,
        Expression<Func<TWorkflow, Task<TResult>>> run, WorkflowOptions options, CancellationToken cancellationToken = default)
    {
        var handle = await client.StartWorkflowAsync(run, options, cancellationToken).ConfigureAwait(false);
        return await handle.GetResultAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Signals the running workflow, or starts it with the signal as its first event.</summary>
    public static async Task<WorkflowHandle<TWorkflow>> SignalWithStartWorkflowAsync<TWorkflow>(this IWorkflowClient client,
        Expression<Func<TWorkflow, Task>> run, Expression<Func<TWorkflow, Task>> signal, WorkflowOptions options, CancellationToken cancellationToken = default)
    {
        var (definition, input) = Workflow.ReadRunCall(run);
        var (method, arguments) = CallExpressions.Read(signal, "A signal");
        var signalDefinition = definition.SignalFor(method);
        var handle = await client.SignalWithStartWorkflowAsync(definition.Name, input, signalDefinition.Name,
            PayloadConverter.ToArguments(arguments, signalDefinition.ParameterTypes), options, cancellationToken).ConfigureAwait(false);
        return new WorkflowHandle<TWorkflow>(client, handle.WorkflowId, null, handle.FirstRunId);
    }

    /// <summary>A typed handle on an existing workflow id.</summary>
    public static WorkflowHandle<TWorkflow> GetWorkflowHandle<TWorkflow>(this IWorkflowClient client, string workflowId, string? runId = null) =>
        new(client, workflowId, runId);

    /// <summary>An untyped handle on an existing workflow id.</summary>
    public static WorkflowHandle GetWorkflowHandle(this IWorkflowClient client, string workflowId, string? runId = null) =>
        new(client, workflowId, runId);

    /// <summary>Every run matching the query, page after page.</summary>
    public static async IAsyncEnumerable<WorkflowExecutionInfo> ListAllWorkflowsAsync(this IWorkflowClient client, WorkflowListQuery query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var page = query;
        while (true)
        {
            var result = await client.ListWorkflowsAsync(page, cancellationToken).ConfigureAwait(false);
            foreach (var execution in result.Executions)
            {
                yield return execution;
            }
            if (result.NextPageToken is null)
            {
                yield break;
            }
            page = page with { PageToken = result.NextPageToken };
        }
    }
}

/// <summary>The JSON form of an exported history.</summary>
public static class HistoryJson
{
    private sealed record Document(string WorkflowId, string RunId, IReadOnlyList<HistoryEvent> Events);

    /// <summary>Serialises a history for export (the run id matters: it seeds the workflow's random numbers).</summary>
    public static string Serialize(string workflowId, string runId, IReadOnlyList<HistoryEvent> events) =>
        JsonSerializer.Serialize(new Document(workflowId, runId, events), PayloadConverter.Options);

    /// <summary>Reads an exported history.</summary>
    public static (string WorkflowId, string RunId, IReadOnlyList<HistoryEvent> Events) Deserialize(string json)
    {
        var document = JsonSerializer.Deserialize<Document>(json, PayloadConverter.Options)
            ?? throw new ArgumentException("The JSON is not an exported history.", nameof(json));
        return (document.WorkflowId, document.RunId, document.Events);
    }
}
