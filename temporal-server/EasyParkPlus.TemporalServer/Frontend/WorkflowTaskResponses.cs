using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Persistence;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>Builds the response that hands a started workflow task to a worker, with its (full or partial) history.</summary>
public static class WorkflowTaskResponses
{
    public static async Task<PollWorkflowTaskQueueResponse> BuildAsync(HistoryEngine engine, StartedWorkflowTask task, CancellationToken cancellationToken)
    {
        // A sticky worker needs only the events since its last task, which this process usually just committed.
        var events = engine.RecentEvents(task.Run, task.HistoryFrom, task.HistoryTo)
            ?? await ReadAllAsync(engine.Store, task.Run, task.HistoryFrom, task.HistoryTo, cancellationToken);
        var history = new Temporalio.Api.History.V1.History();
        history.Events.AddRange(events);
        history.Events.AddRange(task.TransientEvents);
        var response = new PollWorkflowTaskQueueResponse
        {
            TaskToken = task.Token.Encode(),
            WorkflowExecution = new WorkflowExecution { WorkflowId = task.Run.WorkflowId, RunId = task.Run.RunId },
            WorkflowType = new WorkflowType { Name = task.WorkflowType },
            PreviousStartedEventId = task.PreviousStartedEventId,
            StartedEventId = task.Task.StartedEventId,
            Attempt = task.Task.Attempt,
            History = history,
            WorkflowExecutionTaskQueue = new TaskQueue { Name = task.NormalQueue, Kind = TaskQueueKind.Normal },
            ScheduledTime = task.Task.ScheduledTime.ToProtoTimestamp(),
            StartedTime = task.Task.StartedTime.ToProtoTimestamp(),
        };
        response.Messages.AddRange(task.Messages);
        return response;
    }

    /// <summary>Committed events [from, to) of a run, read page by page.</summary>
    public static async Task<List<HistoryEvent>> ReadAllAsync(IServerStore store, RunKey run, long from, long to, CancellationToken cancellationToken)
    {
        var events = new List<HistoryEvent>((int)Math.Max(0, Math.Min(to - from, 10_000)));
        while (from < to)
        {
            var page = await store.ReadHistoryAsync(run, from, to, ServerLimits.MaxHistoryPageSize, reverse: false, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }
            events.AddRange(page);
            from = page[^1].EventId + 1;
        }
        return events;
    }
}
