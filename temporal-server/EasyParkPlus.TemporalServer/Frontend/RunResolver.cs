using EasyParkPlus.TemporalServer.History;
using Temporalio.Api.Common.V1;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>Finds the run a request names: its run id, or the workflow id's current run when none is given.</summary>
public sealed class RunResolver(HistoryEngine engine, NamespaceRegistry namespaces)
{
    public async Task<RunKey> ResolveAsync(string ns, WorkflowExecution? execution, CancellationToken cancellationToken)
    {
        namespaces.Require(ns);
        var e = RequestChecks.Execution(execution);
        if (!string.IsNullOrEmpty(e.RunId))
        {
            return new RunKey(ns, e.WorkflowId, e.RunId);
        }
        var current = await engine.Store.GetCurrentRunAsync(new WorkflowKey(ns, e.WorkflowId), cancellationToken)
            ?? throw RpcError.WorkflowNotFound(e.WorkflowId);
        return new RunKey(ns, e.WorkflowId, current.RunId);
    }

    /// <summary>The run's committed state; NotFound when it does not exist.</summary>
    public async Task<RunState> LoadAsync(string ns, WorkflowExecution? execution, CancellationToken cancellationToken)
    {
        var key = await ResolveAsync(ns, execution, cancellationToken);
        return await engine.GetAsync(key, cancellationToken) ?? throw RpcError.WorkflowNotFound(key.WorkflowId, key.RunId);
    }

    /// <summary>
    /// Checks a request's first-execution run id against the chain of runs it targets (a cancel or terminate aimed at
    /// a chain that was replaced by a new start is NotFound).
    /// </summary>
    public static void CheckFirstRun(RunState state, string firstExecutionRunId)
    {
        if (!string.IsNullOrEmpty(firstExecutionRunId))
        {
            var first = string.IsNullOrEmpty(state.Start.FirstExecutionRunId) ? state.Key.RunId : state.Start.FirstExecutionRunId;
            if (first != firstExecutionRunId)
            {
                throw RpcError.WorkflowNotFound(state.Key.WorkflowId, state.Key.RunId);
            }
        }
    }
}
