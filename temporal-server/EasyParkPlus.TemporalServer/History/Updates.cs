using EasyParkPlus.TemporalServer.Frontend;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.Update.V1;
using Failure = Temporalio.Api.Failure.V1.Failure;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>
/// Workflow updates: admitted by a request, sent to a worker as a protocol message on a workflow task, then accepted
/// (WorkflowExecutionUpdateAccepted) or rejected (no event), and completed (WorkflowExecutionUpdateCompleted).
/// </summary>
public static class Updates
{
    public static UpdateInfo Admit(RunTransaction tx, Request request)
    {
        var s = tx.State;
        var id = request.Meta.UpdateId;
        if (s.Updates.TryGetValue(id, out var existing))
        {
            return existing;
        }
        if (!s.IsRunning)
        {
            throw RpcError.NotFound("workflow execution already completed");
        }
        var admitted = new UpdateInfo { UpdateId = id, Request = request, Stage = UpdateStage.Admitted };
        s.Updates[id] = admitted;
        tx.NeedsWorkflowTask = true;
        tx.HasChanges = true;
        return admitted;
    }

    public static bool HasUnsent(RunState s) => s.Updates.Values.Any(u => u.Stage == UpdateStage.Admitted);

    /// <summary>Marks admitted (and earlier sent, unanswered) updates as sent on this workflow task; returns their messages.</summary>
    public static IReadOnlyList<Message> SendPending(RunTransaction tx, WorkflowTaskInfo wft)
    {
        var s = tx.State;
        List<Message>? messages = null;
        foreach (var update in s.Updates.Values.ToList())
        {
            if (update.Stage is not (UpdateStage.Admitted or UpdateStage.Sent))
            {
                continue;
            }
            s.Updates[update.UpdateId] = update with { Stage = UpdateStage.Sent, SentInWorkflowTask = wft.ScheduledEventId };
            (messages ??= []).Add(new Message
            {
                Id = update.UpdateId + "/request",
                ProtocolInstanceId = update.UpdateId,
                EventId = wft.StartedEventId - 1,
                Body = Any.Pack(update.Request),
            });
        }
        return messages ?? (IReadOnlyList<Message>)[];
    }

    /// <summary>Applies an update protocol message from a workflow task completion.</summary>
    public static void OnMessage(RunTransaction tx, Message message, long completedEventId)
    {
        var s = tx.State;
        if (!s.Updates.TryGetValue(message.ProtocolInstanceId, out var update) || message.Body is null)
        {
            throw Bad($"update {message.ProtocolInstanceId} wasn't found on the server.");
        }
        if (message.Body.TryUnpack<Acceptance>(out var acceptance))
        {
            if (update.Stage is not (UpdateStage.Sent or UpdateStage.Admitted))
            {
                throw Bad($"invalid state transition attempted for update {update.UpdateId}: accept in stage {update.Stage}");
            }
            var e = tx.Append(new HistoryEvent
            {
                EventType = EventType.WorkflowExecutionUpdateAccepted,
                WorkflowExecutionUpdateAcceptedEventAttributes = new()
                {
                    ProtocolInstanceId = update.UpdateId,
                    AcceptedRequestMessageId = acceptance.AcceptedRequestMessageId,
                    AcceptedRequestSequencingEventId = acceptance.AcceptedRequestSequencingEventId,
                    AcceptedRequest = acceptance.AcceptedRequest ?? update.Request,
                },
            });
            s.Updates[update.UpdateId] = update with { Stage = UpdateStage.Accepted, AcceptedEventId = e.EventId };
        }
        else if (message.Body.TryUnpack<Rejection>(out var rejection))
        {
            if (update.Stage is not (UpdateStage.Sent or UpdateStage.Admitted))
            {
                throw Bad($"invalid state transition attempted for update {update.UpdateId}: reject in stage {update.Stage}");
            }
            s.Updates[update.UpdateId] = update with { Stage = UpdateStage.Completed, Outcome = new Outcome { Failure = rejection.Failure } };
        }
        else if (message.Body.TryUnpack<Response>(out var response))
        {
            if (update.Stage != UpdateStage.Accepted)
            {
                throw Bad($"invalid state transition attempted for update {update.UpdateId}: respond in stage {update.Stage}");
            }
            tx.Append(new HistoryEvent
            {
                EventType = EventType.WorkflowExecutionUpdateCompleted,
                WorkflowExecutionUpdateCompletedEventAttributes = new()
                {
                    Meta = response.Meta ?? update.Request.Meta,
                    AcceptedEventId = update.AcceptedEventId,
                    Outcome = response.Outcome,
                },
            });
            s.Updates[update.UpdateId] = update with { Stage = UpdateStage.Completed, Outcome = response.Outcome };
        }
        else
        {
            throw Bad($"Message type {message.Body.TypeUrl} not supported");
        }
        _ = completedEventId;
        tx.HasChanges = true;
    }

    /// <summary>Rejects updates the worker was sent on this task but neither accepted nor rejected.</summary>
    public static void RejectUnprocessed(RunTransaction tx, long scheduledEventId)
    {
        var s = tx.State;
        foreach (var update in s.Updates.Values.ToList())
        {
            if (update.Stage == UpdateStage.Sent && update.SentInWorkflowTask == scheduledEventId)
            {
                s.Updates[update.UpdateId] = update with
                {
                    Stage = UpdateStage.Completed,
                    Outcome = new Outcome
                    {
                        Failure = new Failure
                        {
                            Message = "Workflow Update is rejected because it wasn't processed by worker. Probably, Workflow Update is not supported by the worker.",
                            ApplicationFailureInfo = new(),
                        },
                    },
                };
                tx.HasChanges = true;
            }
        }
    }

    /// <summary>The run closed: updates not completed yet end without an outcome (their callers get an error).</summary>
    public static void AbortOpen(RunTransaction tx, string reason)
    {
        var s = tx.State;
        foreach (var update in s.Updates.Values.ToList())
        {
            if (update.Stage != UpdateStage.Completed)
            {
                s.Updates[update.UpdateId] = update with { Stage = UpdateStage.Completed, Outcome = null };
            }
        }
        _ = reason;
    }

    private static WorkflowTaskFailedException Bad(string message) => new(WorkflowTaskFailedCause.BadUpdateWorkflowExecutionMessage, message);
}
