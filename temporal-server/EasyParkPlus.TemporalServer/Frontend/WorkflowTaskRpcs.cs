using System.Collections.Concurrent;
using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Matching;
using EasyParkPlus.TemporalServer.Persistence;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Failure = Temporalio.Api.Failure.V1.Failure;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>
/// Workers' side of workflow tasks: long polls (normal and sticky queues, legacy query tasks), completions with
/// commands (returning the next task and eager activities inline), failures, and sticky-queue housekeeping.
/// </summary>
public sealed class WorkflowTaskRpcs(
    HistoryEngine engine,
    NamespaceRegistry namespaces,
    TaskQueueManager matching,
    PendingQueries queries,
    RunResolver runs,
    ILogger<WorkflowTaskRpcs> logger)
{
    internal static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(60);

    public void Map(RpcRegistry registry)
    {
        var ws = RpcRegistry.WorkflowService;
        registry.Map<PollWorkflowTaskQueueRequest, PollWorkflowTaskQueueResponse>(ws, "PollWorkflowTaskQueue", PollAsync);
        registry.Map<RespondWorkflowTaskCompletedRequest, RespondWorkflowTaskCompletedResponse>(ws, "RespondWorkflowTaskCompleted", CompleteAsync);
        registry.Map<RespondWorkflowTaskFailedRequest, RespondWorkflowTaskFailedResponse>(ws, "RespondWorkflowTaskFailed", FailAsync);
        registry.Map<RespondQueryTaskCompletedRequest, RespondQueryTaskCompletedResponse>(ws, "RespondQueryTaskCompleted", (r, _) => ValueTask.FromResult(AnswerQuery(r)));
        registry.Map<ShutdownWorkerRequest, ShutdownWorkerResponse>(ws, "ShutdownWorker", ShutdownWorkerAsync);
        registry.Map<ResetStickyTaskQueueRequest, ResetStickyTaskQueueResponse>(ws, "ResetStickyTaskQueue", ResetStickyAsync);
    }

    private async ValueTask<PollWorkflowTaskQueueResponse> PollAsync(PollWorkflowTaskQueueRequest r, RpcContext context)
    {
        var ns = namespaces.Require(r.Namespace);
        var name = RequestChecks.Id(r.TaskQueue?.Name, "TaskQueue");
        var sticky = r.TaskQueue!.Kind == TaskQueueKind.Sticky;
        var key = new TaskQueueKey(ns.Name, name, QueueTaskType.Workflow);
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        poll.CancelAfter(context.LongPollTimeout(LongPoll, DateTimeOffset.UtcNow));
        while (await matching.PollAsync(key, r.Identity, poll.Token) is { } item)
        {
            if (context.CancellationToken.IsCancellationRequested)
            {
                // The worker went away between the match and now: the task stays for another poller.
                matching.Add(key, item);
                break;
            }
            if (item.Query is { } query)
            {
                if (await QueryTaskAsync(query, name, context.CancellationToken) is { } queryTask)
                {
                    return queryTask;
                }
                continue;
            }
            var task = item.Task!;
            StartedWorkflowTask? started;
            try
            {
                started = await engine.UpdateAsync(task.Key.Run,
                    tx => WorkflowTasks.RecordStarted(tx, task.Key.ScheduledEventId, task.Key.Stamp, Guid.NewGuid().ToString(), r.Identity, sticky),
                    context.CancellationToken);
            }
            catch (RpcError e) when (e.Code == Grpc.Core.StatusCode.NotFound)
            {
                continue;
            }
            if (started is not null)
            {
                return await WorkflowTaskResponses.BuildAsync(engine, started, context.CancellationToken);
            }
        }
        return new PollWorkflowTaskQueueResponse();
    }

    private async Task<PollWorkflowTaskQueueResponse?> QueryTaskAsync(PendingQuery query, string queueName, CancellationToken ct)
    {
        var state = await engine.GetAsync(query.Run, ct);
        if (state is null || query.Answer.Task.IsCompleted)
        {
            return null;
        }
        // A sticky worker has the run cached and needs no history; any other replays it in full.
        var partial = state.IsRunning && state.Sticky?.Name == queueName;
        var history = new Temporalio.Api.History.V1.History();
        if (!partial)
        {
            history.Events.AddRange(await WorkflowTaskResponses.ReadAllAsync(engine.Store, query.Run, 1, state.NextEventId, ct));
        }
        return new PollWorkflowTaskQueueResponse
        {
            TaskToken = new TaskToken(TaskTokenKind.QueryTask, query.Run, 0, 0, 1, query.Id).Encode(),
            WorkflowExecution = new WorkflowExecution { WorkflowId = query.Run.WorkflowId, RunId = query.Run.RunId },
            WorkflowType = state.Start.WorkflowType,
            PreviousStartedEventId = state.LastCompletedWorkflowTaskStartedEventId,
            Attempt = 1,
            History = history,
            Query = query.Query,
            WorkflowExecutionTaskQueue = new TaskQueue { Name = state.TaskQueue, Kind = TaskQueueKind.Normal },
        };
    }

    private async ValueTask<RespondWorkflowTaskCompletedResponse> CompleteAsync(RespondWorkflowTaskCompletedRequest r, RpcContext context)
    {
        var token = TaskToken.Decode(r.TaskToken, TaskTokenKind.WorkflowTask);
        namespaces.Require(token.Run.Namespace);
        foreach (var result in r.QueryResults)
        {
            queries.Answer(result.Key, result.Value);
        }
        var ns = token.Run.Namespace;
        var rules = new CommandRules(attribute => namespaces.UpsertableType(ns, attribute), EagerActivities: true, namespaces.Exists);
        try
        {
            var completed = await engine.UpdateAsync(token.Run, tx => WorkflowTasks.Complete(tx, token, r, rules), context.CancellationToken);
            var response = new RespondWorkflowTaskCompletedResponse();
            if (completed.NextTask is { } next)
            {
                response.WorkflowTask = await WorkflowTaskResponses.BuildAsync(engine, next, context.CancellationToken);
            }
            response.ActivityTasks.AddRange(completed.EagerActivities);
            return response;
        }
        catch (WorkflowTaskFailedException e)
        {
            Log.WorkflowTaskFailed(logger, token.Run.ToString(), e.Cause.ToString(), e.Message);
            await engine.UpdateAsync(token.Run, tx =>
            {
                if (token.Attempt > 1 && e.Cause != WorkflowTaskFailedCause.UnhandledCommand)
                {
                    // A task that keeps failing is dropped: it times out and is retried then.
                    throw RpcError.InvalidArgument(e.Message);
                }
                var failure = new Failure { Message = e.Message, ServerFailureInfo = new() };
                WorkflowTasks.Fail(tx, token, e.Cause, failure, r.Identity);
                return 0;
            }, context.CancellationToken);
            return new RespondWorkflowTaskCompletedResponse();
        }
    }

    private async ValueTask<RespondWorkflowTaskFailedResponse> FailAsync(RespondWorkflowTaskFailedRequest r, RpcContext context)
    {
        var token = TaskToken.Decode(r.TaskToken, TaskTokenKind.WorkflowTask);
        namespaces.Require(token.Run.Namespace);
        RequestChecks.Blob(r.Failure, "Failure");
        await engine.UpdateAsync(token.Run, tx =>
        {
            WorkflowTasks.Fail(tx, token, r.Cause == WorkflowTaskFailedCause.Unspecified ? WorkflowTaskFailedCause.WorkflowWorkerUnhandledFailure : r.Cause,
                r.Failure, r.Identity);
            return 0;
        }, context.CancellationToken);
        return new RespondWorkflowTaskFailedResponse();
    }

    private RespondQueryTaskCompletedResponse AnswerQuery(RespondQueryTaskCompletedRequest r)
    {
        var token = TaskToken.Decode(r.TaskToken, TaskTokenKind.QueryTask);
        namespaces.Require(token.Run.Namespace);
        RequestChecks.Blob(r.QueryResult, "QueryResult");
        if (!queries.Complete(token.Name, r))
        {
            throw RpcError.NotFound("Query task not found, or already expired.");
        }
        return new RespondQueryTaskCompletedResponse();
    }

    private async ValueTask<ShutdownWorkerResponse> ShutdownWorkerAsync(ShutdownWorkerRequest r, RpcContext context)
    {
        var ns = namespaces.Require(r.Namespace);
        if (!string.IsNullOrEmpty(r.StickyTaskQueue))
        {
            await matching.RetireStickyAsync(new TaskQueueKey(ns.Name, r.StickyTaskQueue, QueueTaskType.Workflow), queries.Requeue);
        }
        return new ShutdownWorkerResponse();
    }

    private async ValueTask<ResetStickyTaskQueueResponse> ResetStickyAsync(ResetStickyTaskQueueRequest r, RpcContext context)
    {
        var state = await runs.LoadAsync(r.Namespace, r.Execution, context.CancellationToken);
        if (state.Sticky is { } sticky)
        {
            await matching.MoveOffStickyAsync(state.Key, sticky.Name);
        }
        return new ResetStickyTaskQueueResponse();
    }
}

/// <summary>Queries waiting for a worker's answer, by id.</summary>
public sealed class PendingQueries(TaskQueueManager matching)
{
    private readonly ConcurrentDictionary<string, PendingQuery> _pending = new(StringComparer.Ordinal);

    /// <summary>Offers the query to workers of <paramref name="queue"/>; remove it with <see cref="Forget"/> when done.</summary>
    public void Dispatch(PendingQuery query, TaskQueueKey queue)
    {
        _pending[query.Id] = query;
        matching.Add(queue, new MatchedTask(null, query));
    }

    public void Forget(PendingQuery query) => _pending.TryRemove(query.Id, out _);

    public bool Complete(string id, RespondQueryTaskCompletedRequest answer) =>
        _pending.TryRemove(id, out var pending) && pending.Answer.TrySetResult(answer);

    /// <summary>An answer carried by a workflow task completion (queries delivered with a workflow task).</summary>
    public void Answer(string id, Temporalio.Api.Query.V1.WorkflowQueryResult result) =>
        Complete(id, new RespondQueryTaskCompletedRequest
        {
            CompletedType = result.ResultType,
            QueryResult = result.Answer,
            ErrorMessage = result.ErrorMessage,
            Failure = result.Failure,
        });

    /// <summary>A query that sat on a sticky queue whose worker left goes to the run's normal queue.</summary>
    public void Requeue(PendingQuery query)
    {
        if (_pending.ContainsKey(query.Id))
        {
            matching.Add(query.NormalQueue, new MatchedTask(null, query));
        }
    }
}
