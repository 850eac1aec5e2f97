using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Matching;
using EasyParkPlus.TemporalServer.Persistence;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Query.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>
/// Queries (answered by a worker through a legacy query task, on open and closed runs alike, after any workflow task
/// in flight) and updates (admitted, carried to a worker by a workflow task, waited on to the asked stage).
/// </summary>
public sealed class QueryUpdateRpcs(HistoryEngine engine, RunResolver runs, RunWatchers watchers, TaskQueueManager matching, PendingQueries queries)
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StickyAlive = TimeSpan.FromSeconds(10);

    public void Map(RpcRegistry registry)
    {
        var ws = RpcRegistry.WorkflowService;
        registry.Map<QueryWorkflowRequest, QueryWorkflowResponse>(ws, "QueryWorkflow", QueryAsync);
        registry.Map<UpdateWorkflowExecutionRequest, UpdateWorkflowExecutionResponse>(ws, "UpdateWorkflowExecution", UpdateAsync);
        registry.Map<PollWorkflowExecutionUpdateRequest, PollWorkflowExecutionUpdateResponse>(ws, "PollWorkflowExecutionUpdate", PollUpdateAsync);
    }

    private async ValueTask<QueryWorkflowResponse> QueryAsync(QueryWorkflowRequest r, RpcContext context)
    {
        var ct = context.CancellationToken;
        if (r.Query is null)
        {
            throw RpcError.InvalidArgument("Query is not set on request.");
        }
        RequestChecks.Id(r.Query.QueryType, "QueryType");
        RequestChecks.Blob(r.Query.QueryArgs, "QueryArgs");
        var state = await runs.LoadAsync(r.Namespace, r.Execution, ct);
        var rejected = r.QueryRejectCondition switch
        {
            QueryRejectCondition.NotOpen => !state.IsRunning,
            QueryRejectCondition.NotCompletedCleanly => state.Status is not (WorkflowExecutionStatus.Running or WorkflowExecutionStatus.Completed),
            _ => false,
        };
        if (rejected)
        {
            return new QueryWorkflowResponse { QueryRejected = new QueryRejected { Status = state.Status } };
        }
        var timeout = context.LongPollTimeout(MaxWait, DateTimeOffset.UtcNow);
        if (state.IsRunning)
        {
            // Answer against a settled state: after the first workflow task and any task in flight.
            state = await watchers.WaitUntilAsync(engine, state.Key,
                s => !s.IsRunning || (s.LastCompletedWorkflowTaskStartedEventId > 0 && s.WorkflowTask is not { IsStarted: true }), timeout, ct) ?? state;
        }
        var normal = new TaskQueueKey(state.Key.Namespace, state.TaskQueue, QueueTaskType.Workflow);
        var target = state.IsRunning && state.Sticky is { } sticky && matching.PolledRecently(normal with { Name = sticky.Name }, StickyAlive)
            ? normal with { Name = sticky.Name }
            : normal;
        var query = new PendingQuery(Guid.NewGuid().ToString(), state.Key, normal, r.Query);
        engine.Clock.Lock();
        try
        {
            queries.Dispatch(query, target);
            var answer = await query.Answer.Task.WaitAsync(timeout, ct);
            if (answer.CompletedType == QueryResultType.Failed)
            {
                throw RpcError.QueryFailed(string.IsNullOrEmpty(answer.ErrorMessage) ? answer.Failure?.Message ?? "query failed" : answer.ErrorMessage, answer.Failure);
            }
            return new QueryWorkflowResponse { QueryResult = answer.QueryResult };
        }
        catch (TimeoutException)
        {
            throw RpcError.DeadlineExceeded("query timed out before a worker answered it");
        }
        finally
        {
            queries.Forget(query);
            engine.Clock.Unlock();
        }
    }

    private async ValueTask<UpdateWorkflowExecutionResponse> UpdateAsync(UpdateWorkflowExecutionRequest r, RpcContext context)
    {
        var ct = context.CancellationToken;
        if (r.Request?.Input is null || string.IsNullOrEmpty(r.Request.Input.Name))
        {
            throw RpcError.InvalidArgument("Update name is not set on request.");
        }
        RequestChecks.Blob(r.Request.Input.Args, "Args");
        var request = r.Request.Clone();
        request.Meta ??= new Meta();
        if (string.IsNullOrEmpty(request.Meta.UpdateId))
        {
            request.Meta.UpdateId = Guid.NewGuid().ToString();
        }
        RequestChecks.Id(request.Meta.UpdateId, "UpdateId");
        var key = await runs.ResolveAsync(r.Namespace, r.WorkflowExecution, ct);
        await engine.UpdateAsync(key, tx =>
        {
            RunResolver.CheckFirstRun(tx.State, r.FirstExecutionRunId);
            return Updates.Admit(tx, request);
        }, ct);
        var (stage, outcome) = await WaitForStageAsync(key, request.Meta.UpdateId, r.WaitPolicy?.LifecycleStage ?? UpdateWorkflowExecutionLifecycleStage.Accepted, context);
        return new UpdateWorkflowExecutionResponse
        {
            UpdateRef = new UpdateRef { WorkflowExecution = new WorkflowExecution { WorkflowId = key.WorkflowId, RunId = key.RunId }, UpdateId = request.Meta.UpdateId },
            Stage = stage,
            Outcome = outcome,
        };
    }

    private async ValueTask<PollWorkflowExecutionUpdateResponse> PollUpdateAsync(PollWorkflowExecutionUpdateRequest r, RpcContext context)
    {
        var updateId = RequestChecks.Id(r.UpdateRef?.UpdateId, "UpdateId");
        var key = await runs.ResolveAsync(r.Namespace, r.UpdateRef!.WorkflowExecution, context.CancellationToken);
        var (stage, outcome) = await WaitForStageAsync(key, updateId, r.WaitPolicy?.LifecycleStage ?? UpdateWorkflowExecutionLifecycleStage.Completed, context);
        return new PollWorkflowExecutionUpdateResponse
        {
            UpdateRef = new UpdateRef { WorkflowExecution = new WorkflowExecution { WorkflowId = key.WorkflowId, RunId = key.RunId }, UpdateId = updateId },
            Stage = stage,
            Outcome = outcome,
        };
    }

    private async Task<(UpdateWorkflowExecutionLifecycleStage Stage, Outcome? Outcome)> WaitForStageAsync(RunKey key, string updateId, UpdateWorkflowExecutionLifecycleStage wanted, RpcContext context)
    {
        var state = await watchers.WaitUntilAsync(engine, key,
            s => !s.Updates.TryGetValue(updateId, out var u) || Stage(u) >= wanted,
            context.LongPollTimeout(MaxWait, DateTimeOffset.UtcNow), context.CancellationToken);
        if (state is null || !state.Updates.TryGetValue(updateId, out var update))
        {
            throw RpcError.NotFound($"update {updateId} not found");
        }
        if (update.Stage == UpdateStage.Completed && update.Outcome is null)
        {
            throw RpcError.NotFound("workflow execution already completed");
        }
        return (Stage(update), update.Stage == UpdateStage.Completed ? update.Outcome : null);
    }

    private static UpdateWorkflowExecutionLifecycleStage Stage(UpdateInfo update) => update.Stage switch
    {
        UpdateStage.Accepted => UpdateWorkflowExecutionLifecycleStage.Accepted,
        UpdateStage.Completed => UpdateWorkflowExecutionLifecycleStage.Completed,
        _ => UpdateWorkflowExecutionLifecycleStage.Admitted,
    };
}
