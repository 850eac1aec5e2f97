using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Matching;
using EasyParkPlus.TemporalServer.Persistence;
using Temporalio.Api.Common.V1;
using Temporalio.Api.WorkflowService.V1;
using Failure = Temporalio.Api.Failure.V1.Failure;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>Workers' side of activities: long polls, heartbeats, and completions by task token or by activity id.</summary>
public sealed class ActivityTaskRpcs(HistoryEngine engine, NamespaceRegistry namespaces, TaskQueueManager matching, RunResolver runs)
{
    public void Map(RpcRegistry registry)
    {
        var ws = RpcRegistry.WorkflowService;
        registry.Map<PollActivityTaskQueueRequest, PollActivityTaskQueueResponse>(ws, "PollActivityTaskQueue", PollAsync);
        registry.Map<RespondActivityTaskCompletedRequest, RespondActivityTaskCompletedResponse>(ws, "RespondActivityTaskCompleted", async (r, c) =>
        {
            await ByTokenAsync(r.TaskToken, c, (tx, a) => Complete(tx, a, r.Result, r.Identity));
            return new RespondActivityTaskCompletedResponse();
        });
        registry.Map<RespondActivityTaskFailedRequest, RespondActivityTaskFailedResponse>(ws, "RespondActivityTaskFailed", async (r, c) =>
        {
            var failure = CheckFailure(r.Failure);
            RequestChecks.Blob(r.LastHeartbeatDetails, "LastHeartbeatDetails");
            await ByTokenAsync(r.TaskToken, c, (tx, a) => Activities.Fail(tx, a, failure, r.LastHeartbeatDetails, r.Identity));
            return new RespondActivityTaskFailedResponse();
        });
        registry.Map<RespondActivityTaskCanceledRequest, RespondActivityTaskCanceledResponse>(ws, "RespondActivityTaskCanceled", async (r, c) =>
        {
            RequestChecks.Blob(r.Details, "Details");
            await ByTokenAsync(r.TaskToken, c, (tx, a) => Activities.Canceled(tx, a, r.Details, r.Identity));
            return new RespondActivityTaskCanceledResponse();
        });
        registry.Map<RecordActivityTaskHeartbeatRequest, RecordActivityTaskHeartbeatResponse>(ws, "RecordActivityTaskHeartbeat", async (r, c) =>
        {
            RequestChecks.Blob(r.Details, "Details");
            var canceled = await ByTokenAsync(r.TaskToken, c, (tx, a) => Activities.Heartbeat(tx, a, r.Details));
            return new RecordActivityTaskHeartbeatResponse { CancelRequested = canceled };
        });

        registry.Map<RespondActivityTaskCompletedByIdRequest, RespondActivityTaskCompletedByIdResponse>(ws, "RespondActivityTaskCompletedById", async (r, c) =>
        {
            await ByIdAsync(r.Namespace, r.WorkflowId, r.RunId, r.ActivityId, c, (tx, a) => Complete(tx, a, r.Result, r.Identity));
            return new RespondActivityTaskCompletedByIdResponse();
        });
        registry.Map<RespondActivityTaskFailedByIdRequest, RespondActivityTaskFailedByIdResponse>(ws, "RespondActivityTaskFailedById", async (r, c) =>
        {
            var failure = CheckFailure(r.Failure);
            RequestChecks.Blob(r.LastHeartbeatDetails, "LastHeartbeatDetails");
            await ByIdAsync(r.Namespace, r.WorkflowId, r.RunId, r.ActivityId, c, (tx, a) => Activities.Fail(tx, a, failure, r.LastHeartbeatDetails, r.Identity));
            return new RespondActivityTaskFailedByIdResponse();
        });
        registry.Map<RespondActivityTaskCanceledByIdRequest, RespondActivityTaskCanceledByIdResponse>(ws, "RespondActivityTaskCanceledById", async (r, c) =>
        {
            RequestChecks.Blob(r.Details, "Details");
            await ByIdAsync(r.Namespace, r.WorkflowId, r.RunId, r.ActivityId, c, (tx, a) => Activities.Canceled(tx, a, r.Details, r.Identity));
            return new RespondActivityTaskCanceledByIdResponse();
        });
        registry.Map<RecordActivityTaskHeartbeatByIdRequest, RecordActivityTaskHeartbeatByIdResponse>(ws, "RecordActivityTaskHeartbeatById", async (r, c) =>
        {
            RequestChecks.Blob(r.Details, "Details");
            var canceled = await ByIdAsync(r.Namespace, r.WorkflowId, r.RunId, r.ActivityId, c, (tx, a) => Activities.Heartbeat(tx, a, r.Details));
            return new RecordActivityTaskHeartbeatByIdResponse { CancelRequested = canceled };
        });
    }

    private async ValueTask<PollActivityTaskQueueResponse> PollAsync(PollActivityTaskQueueRequest r, RpcContext context)
    {
        var ns = namespaces.Require(r.Namespace);
        var key = new TaskQueueKey(ns.Name, RequestChecks.Id(r.TaskQueue?.Name, "TaskQueue"), QueueTaskType.Activity);
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        poll.CancelAfter(context.LongPollTimeout(WorkflowTaskRpcs.LongPoll, DateTimeOffset.UtcNow));
        while (await matching.PollAsync(key, r.Identity, poll.Token) is { Task: { } task } item)
        {
            if (context.CancellationToken.IsCancellationRequested)
            {
                matching.Add(key, item);
                break;
            }
            try
            {
                var response = await engine.UpdateAsync(task.Key.Run, tx =>
                    Activities.RecordStarted(tx, task.Key.ScheduledEventId, task.Key.Stamp, Guid.NewGuid().ToString(), r.Identity) is { } started
                        ? Activities.PollResponse(tx.State, started)
                        : null, context.CancellationToken);
                if (response is not null)
                {
                    return response;
                }
            }
            catch (RpcError e) when (e.Code == Grpc.Core.StatusCode.NotFound)
            {
            }
        }
        return new PollActivityTaskQueueResponse();
    }

    // A result over the size limit fails the attempt instead (as Temporal does), so the workflow learns of it.
    private static void Complete(RunTransaction tx, ActivityInfo activity, Payloads? result, string identity)
    {
        if (result is not null && result.CalculateSize() > ServerLimits.BlobSizeLimit)
        {
            Activities.Fail(tx, activity, new Failure
            {
                Message = "Complete result exceeds size limit.",
                ApplicationFailureInfo = new() { Type = "BlobSizeLimitExceeded", NonRetryable = true },
            }, null, identity);
            return;
        }
        Activities.Complete(tx, activity, result, identity);
    }

    private static Failure CheckFailure(Failure? failure)
    {
        RequestChecks.Blob(failure, "Failure");
        return failure ?? new Failure { Message = "activity failed", ApplicationFailureInfo = new() };
    }

    private async Task ByTokenAsync(Google.Protobuf.ByteString rawToken, RpcContext context, Action<RunTransaction, ActivityInfo> apply) =>
        await ByTokenAsync(rawToken, context, (tx, a) =>
        {
            apply(tx, a);
            return false;
        });

    private async Task<T> ByTokenAsync<T>(Google.Protobuf.ByteString rawToken, RpcContext context, Func<RunTransaction, ActivityInfo, T> apply)
    {
        var token = TaskToken.Decode(rawToken, TaskTokenKind.ActivityTask);
        namespaces.Require(token.Run.Namespace);
        return await engine.UpdateAsync(token.Run, tx => apply(tx, Activities.RequireStarted(tx.State, token)), context.CancellationToken);
    }

    private async Task ByIdAsync(string ns, string workflowId, string runId, string activityId, RpcContext context, Action<RunTransaction, ActivityInfo> apply) =>
        await ByIdAsync(ns, workflowId, runId, activityId, context, (tx, a) =>
        {
            apply(tx, a);
            return false;
        });

    private async Task<T> ByIdAsync<T>(string ns, string workflowId, string runId, string activityId, RpcContext context, Func<RunTransaction, ActivityInfo, T> apply)
    {
        RequestChecks.Id(activityId, "ActivityId");
        var key = await runs.ResolveAsync(ns, new WorkflowExecution { WorkflowId = workflowId, RunId = runId }, context.CancellationToken);
        return await engine.UpdateAsync(key, tx => apply(tx, Activities.RequireById(tx.State, activityId)), context.CancellationToken);
    }
}
