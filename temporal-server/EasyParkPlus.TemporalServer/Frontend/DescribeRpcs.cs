using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Matching;
using EasyParkPlus.TemporalServer.Persistence;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>Describing a run (with its pending work) and a task queue (with its pollers).</summary>
public sealed class DescribeRpcs(NamespaceRegistry namespaces, RunResolver runs, TaskQueueManager matching)
{
    public void Map(RpcRegistry registry)
    {
        var ws = RpcRegistry.WorkflowService;
        registry.Map<DescribeWorkflowExecutionRequest, DescribeWorkflowExecutionResponse>(ws, "DescribeWorkflowExecution", async (r, c) =>
            Describe(await runs.LoadAsync(r.Namespace, r.Execution, c.CancellationToken)));
        registry.Map<DescribeTaskQueueRequest, DescribeTaskQueueResponse>(ws, "DescribeTaskQueue", (r, _) => ValueTask.FromResult(DescribeTaskQueue(r)));
    }

    public static DescribeWorkflowExecutionResponse Describe(RunState s)
    {
        var response = new DescribeWorkflowExecutionResponse
        {
            ExecutionConfig = new WorkflowExecutionConfig
            {
                TaskQueue = new TaskQueue { Name = s.TaskQueue, Kind = TaskQueueKind.Normal },
                WorkflowExecutionTimeout = s.Start.WorkflowExecutionTimeout,
                WorkflowRunTimeout = s.Start.WorkflowRunTimeout,
                DefaultWorkflowTaskTimeout = s.Start.WorkflowTaskTimeout,
            },
            WorkflowExecutionInfo = ExecutionInfo(RunEffects.Visibility(s)),
            WorkflowExtendedInfo = new WorkflowExecutionExtendedInfo
            {
                ExecutionExpirationTime = s.Start.WorkflowExecutionExpirationTime,
                RunExpirationTime = s.Start.WorkflowRunTimeout.IsPositive() ? (s.StartTime + s.Start.WorkflowRunTimeout.ToTimeSpanOrZero()).ToProtoTimestamp() : null,
                CancelRequested = s.CancelRequested,
                OriginalStartTime = s.StartTime.ToProtoTimestamp(),
            },
        };
        if (!s.IsRunning)
        {
            return response;
        }
        foreach (var a in s.Activities.Values.OrderBy(a => a.ScheduledEventId))
        {
            response.PendingActivities.Add(new PendingActivityInfo
            {
                ActivityId = a.ActivityId,
                ActivityType = a.Scheduled.ActivityType,
                State = a.CancelRequested ? PendingActivityState.CancelRequested
                    : a.State == ActivityAttemptState.Started ? PendingActivityState.Started : PendingActivityState.Scheduled,
                HeartbeatDetails = a.HeartbeatDetails,
                LastHeartbeatTime = a.LastHeartbeatTime.ToProtoTimestamp(),
                LastStartedTime = a.StartedTime.ToProtoTimestamp(),
                Attempt = a.Attempt,
                MaximumAttempts = a.Scheduled.RetryPolicy?.MaximumAttempts ?? 0,
                ScheduledTime = (a.State == ActivityAttemptState.BackingOff ? a.NextAttemptTime ?? a.CurrentAttemptScheduledTime : a.CurrentAttemptScheduledTime).ToProtoTimestamp(),
                ExpirationTime = a.Scheduled.ScheduleToCloseTimeout.IsPositive() ? (a.ScheduledTime + a.Scheduled.ScheduleToCloseTimeout.ToTimeSpanOrZero()).ToProtoTimestamp() : null,
                LastFailure = a.LastFailure,
                LastWorkerIdentity = a.LastWorkerIdentity ?? "",
                CurrentRetryInterval = a.CurrentRetryInterval?.ToDuration(),
                LastAttemptCompleteTime = a.LastAttemptCompleteTime.ToProtoTimestamp(),
                NextAttemptScheduleTime = a.NextAttemptTime.ToProtoTimestamp(),
            });
        }
        foreach (var child in s.Children.Values.OrderBy(c => c.InitiatedEventId))
        {
            response.PendingChildren.Add(new PendingChildExecutionInfo
            {
                WorkflowId = child.Initiated.WorkflowId,
                RunId = child.RunId ?? "",
                WorkflowTypeName = child.Initiated.WorkflowType.Name,
                InitiatedId = child.InitiatedEventId,
                ParentClosePolicy = child.Initiated.ParentClosePolicy,
            });
        }
        if (s.WorkflowTask is { } wft)
        {
            response.PendingWorkflowTask = new PendingWorkflowTaskInfo
            {
                State = wft.IsStarted ? PendingWorkflowTaskState.Started : PendingWorkflowTaskState.Scheduled,
                ScheduledTime = wft.ScheduledTime.ToProtoTimestamp(),
                OriginalScheduledTime = wft.OriginalScheduledTime.ToProtoTimestamp(),
                StartedTime = wft.StartedTime.ToProtoTimestamp(),
                Attempt = wft.Attempt,
            };
        }
        return response;
    }

    /// <summary>A run as lists show it.</summary>
    public static WorkflowExecutionInfo ExecutionInfo(VisibilityRecord v) => new()
    {
        Execution = new WorkflowExecution { WorkflowId = v.Key.WorkflowId, RunId = v.Key.RunId },
        Type = new WorkflowType { Name = v.WorkflowType },
        StartTime = v.StartTime.ToProtoTimestamp(),
        CloseTime = v.CloseTime.ToProtoTimestamp(),
        Status = v.Status,
        HistoryLength = v.HistoryLength,
        HistorySizeBytes = v.HistorySizeBytes,
        StateTransitionCount = v.StateTransitionCount,
        ParentExecution = v.ParentExecution,
        ParentNamespaceId = v.ParentExecution is null ? "" : v.Key.Namespace,
        RootExecution = v.RootExecution,
        ExecutionTime = v.ExecutionTime.ToProtoTimestamp(),
        Memo = v.Memo,
        SearchAttributes = v.SearchAttributes,
        TaskQueue = v.TaskQueue,
        FirstRunId = v.FirstRunId,
        ExecutionDuration = v.CloseTime is { } close ? (close - v.ExecutionTime).ToDuration() : null,
    };

    private DescribeTaskQueueResponse DescribeTaskQueue(DescribeTaskQueueRequest r)
    {
        var ns = namespaces.Require(r.Namespace);
        var name = RequestChecks.Id(r.TaskQueue?.Name, "TaskQueue");
        var type = r.TaskQueueType == TaskQueueType.Activity ? QueueTaskType.Activity : QueueTaskType.Workflow;
        var key = new TaskQueueKey(ns.Name, name, type);
        var response = new DescribeTaskQueueResponse();
        foreach (var poller in matching.Pollers(key))
        {
            response.Pollers.Add(new PollerInfo { Identity = poller.Identity, LastAccessTime = poller.LastAccessTime.ToProtoTimestamp(), RatePerSecond = 100000 });
        }
        if (r.ReportStats)
        {
            response.Stats = new TaskQueueStats { ApproximateBacklogCount = matching.BacklogCount(key) };
        }
        return response;
    }
}
