using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>Commands that close the run, start or reach other runs, and change its search attributes and memo.</summary>
public sealed partial class CommandProcessor
{
    // A close command may not race events that arrived while the task ran: the worker must see them first.
    private void RefuseCloseOverBufferedEvents()
    {
        if (S.BufferedEvents.Count > 0)
        {
            throw Fail(WorkflowTaskFailedCause.UnhandledCommand, "Workflow has unhandled events; close command refused.");
        }
    }

    private HistoryEvent CompleteWorkflow(CompleteWorkflowExecutionCommandAttributes? a)
    {
        RefuseCloseOverBufferedEvents();
        if (a?.Result is { } result && result.CalculateSize() > ServerLimits.BlobSizeLimit)
        {
            throw Fail(WorkflowTaskFailedCause.BadCompleteWorkflowExecutionAttributes, "CompleteWorkflowExecutionCommandAttributes.Result exceeds size limit.");
        }
        return RunClosing.Close(tx, new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionCompleted,
            WorkflowExecutionCompletedEventAttributes = new() { Result = a?.Result, WorkflowTaskCompletedEventId = completedEventId },
        }, WorkflowExecutionStatus.Completed);
    }

    private HistoryEvent FailWorkflow(FailWorkflowExecutionCommandAttributes? a)
    {
        RefuseCloseOverBufferedEvents();
        if (a?.Failure is null)
        {
            throw Fail(WorkflowTaskFailedCause.BadFailWorkflowExecutionAttributes, "Failure is not set on command.");
        }
        var (retryState, newRunId) = RunClosing.TryRetry(tx, a.Failure);
        return RunClosing.Close(tx, new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionFailed,
            WorkflowExecutionFailedEventAttributes = new()
            {
                Failure = a.Failure,
                RetryState = retryState,
                WorkflowTaskCompletedEventId = completedEventId,
                NewExecutionRunId = newRunId ?? "",
            },
        }, WorkflowExecutionStatus.Failed, newRunId);
    }

    private HistoryEvent CancelWorkflow(CancelWorkflowExecutionCommandAttributes? a)
    {
        RefuseCloseOverBufferedEvents();
        return RunClosing.Close(tx, new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionCanceled,
            WorkflowExecutionCanceledEventAttributes = new() { Details = a?.Details, WorkflowTaskCompletedEventId = completedEventId },
        }, WorkflowExecutionStatus.Canceled);
    }

    private HistoryEvent ContinueAsNew(ContinueAsNewWorkflowExecutionCommandAttributes? a)
    {
        RefuseCloseOverBufferedEvents();
        const WorkflowTaskFailedCause Bad = WorkflowTaskFailedCause.BadContinueAsNewAttributes;
        if (a is null)
        {
            throw Fail(Bad, "ContinueAsNewWorkflowExecutionCommandAttributes is not set on command.");
        }
        if (!string.IsNullOrEmpty(a.CronSchedule))
        {
            throw Fail(Bad, "Cron schedules are not supported by this server.");
        }
        if (a.Input is not null && a.Input.CalculateSize() > ServerLimits.BlobSizeLimit)
        {
            throw Fail(Bad, "ContinueAsNewWorkflowExecutionCommandAttributes.Input exceeds size limit.");
        }
        if (a.WorkflowRunTimeout.IsNegative() || a.WorkflowTaskTimeout.IsNegative() || a.BackoffStartInterval.IsNegative())
        {
            throw Fail(Bad, "A valid timeout may not be negative.");
        }
        if (RetryPolicies.Validate(a.RetryPolicy) is { } policyError)
        {
            throw Fail(Bad, policyError);
        }
        if (a.SearchAttributes is not null)
        {
            ValidateSearchAttributes(a.SearchAttributes, Bad);
        }
        var newRunId = Guid.NewGuid().ToString();
        var attributes = RunStarts.Successor(S, newRunId, ContinueAsNewInitiator.Workflow, a);
        var e = RunClosing.Close(tx, new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionContinuedAsNew,
            WorkflowExecutionContinuedAsNewEventAttributes = new()
            {
                NewExecutionRunId = newRunId,
                WorkflowType = attributes.WorkflowType,
                TaskQueue = attributes.TaskQueue,
                Input = a.Input,
                WorkflowRunTimeout = attributes.WorkflowRunTimeout,
                WorkflowTaskTimeout = attributes.WorkflowTaskTimeout,
                WorkflowTaskCompletedEventId = completedEventId,
                BackoffStartInterval = a.BackoffStartInterval,
                Initiator = ContinueAsNewInitiator.Workflow,
                LastCompletionResult = a.LastCompletionResult,
                Header = a.Header,
                Memo = attributes.Memo,
                SearchAttributes = attributes.SearchAttributes,
            },
        }, WorkflowExecutionStatus.ContinuedAsNew, newRunId);
        tx.NewRun = RunStarts.Create(tx.Key with { RunId = newRunId }, attributes, Guid.NewGuid().ToString(), tx.Now, a.BackoffStartInterval.ToTimeSpanOrZero());
        return e;
    }

    private HistoryEvent StartChild(StartChildWorkflowExecutionCommandAttributes? a)
    {
        const WorkflowTaskFailedCause Bad = WorkflowTaskFailedCause.BadStartChildExecutionAttributes;
        if (a is null || string.IsNullOrEmpty(a.WorkflowId) || a.WorkflowId.Length > ServerLimits.MaxIdLength)
        {
            throw Fail(Bad, "Required field WorkflowId is not set on command.");
        }
        if (string.IsNullOrEmpty(a.WorkflowType?.Name))
        {
            throw Fail(Bad, "Required field WorkflowType is not set on command.");
        }
        var ns = S.Key.Namespace;
        if (!rules.NamespaceExists(ns))
        {
            throw Fail(Bad, $"Namespace {ns} is not found.");
        }
        if (!string.IsNullOrEmpty(a.CronSchedule))
        {
            throw Fail(Bad, "Cron schedules are not supported by this server.");
        }
        if (a.WorkflowExecutionTimeout.IsNegative() || a.WorkflowRunTimeout.IsNegative() || a.WorkflowTaskTimeout.IsNegative())
        {
            throw Fail(Bad, "A valid timeout may not be negative.");
        }
        if (RetryPolicies.Validate(a.RetryPolicy) is { } policyError)
        {
            throw Fail(Bad, policyError);
        }
        if (a.Input is not null && a.Input.CalculateSize() > ServerLimits.BlobSizeLimit)
        {
            throw Fail(Bad, "StartChildWorkflowExecutionCommandAttributes.Input exceeds size limit.");
        }
        if (a.SearchAttributes is not null)
        {
            ValidateSearchAttributes(a.SearchAttributes, Bad);
        }
        var initiated = new StartChildWorkflowExecutionInitiatedEventAttributes
        {
            Namespace = ns,
            WorkflowId = a.WorkflowId,
            WorkflowType = a.WorkflowType,
            TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = a.TaskQueue is { Name.Length: > 0 } q ? q.Name : S.TaskQueue, Kind = TaskQueueKind.Normal },
            Input = a.Input,
            WorkflowExecutionTimeout = a.WorkflowExecutionTimeout,
            WorkflowRunTimeout = a.WorkflowRunTimeout,
            WorkflowTaskTimeout = a.WorkflowTaskTimeout,
            ParentClosePolicy = a.ParentClosePolicy == ParentClosePolicy.Unspecified ? ParentClosePolicy.Terminate : a.ParentClosePolicy,
            WorkflowTaskCompletedEventId = completedEventId,
            WorkflowIdReusePolicy = a.WorkflowIdReusePolicy,
            RetryPolicy = a.RetryPolicy,
            Header = a.Header,
            Memo = a.Memo,
            SearchAttributes = a.SearchAttributes,
            Priority = a.Priority,
        };
        var e = tx.Append(new HistoryEvent { EventType = EventType.StartChildWorkflowExecutionInitiated, StartChildWorkflowExecutionInitiatedEventAttributes = initiated });
        S.Children[e.EventId] = new ChildInfo { InitiatedEventId = e.EventId, Initiated = initiated, State = ChildState.Initiated };
        return e;
    }

    private HistoryEvent SignalExternal(SignalExternalWorkflowExecutionCommandAttributes? a)
    {
        const WorkflowTaskFailedCause Bad = WorkflowTaskFailedCause.BadSignalWorkflowExecutionAttributes;
        if (a is null || string.IsNullOrEmpty(a.Execution?.WorkflowId))
        {
            throw Fail(Bad, "WorkflowId is not set on command.");
        }
        if (string.IsNullOrEmpty(a.SignalName))
        {
            throw Fail(Bad, "SignalName is not set on command.");
        }
        if (a.Input is not null && a.Input.CalculateSize() > ServerLimits.BlobSizeLimit)
        {
            throw Fail(Bad, "SignalExternalWorkflowExecutionCommandAttributes.Input exceeds size limit.");
        }
        var ns = S.Key.Namespace;
        var e = tx.Append(new HistoryEvent
        {
            EventType = EventType.SignalExternalWorkflowExecutionInitiated,
            SignalExternalWorkflowExecutionInitiatedEventAttributes = new()
            {
                WorkflowTaskCompletedEventId = completedEventId,
                Namespace = ns,
                WorkflowExecution = a.Execution,
                SignalName = a.SignalName,
                Input = a.Input,
                ChildWorkflowOnly = a.ChildWorkflowOnly,
                Header = a.Header,
            },
        });
        S.ExternalRequests[e.EventId] = new ExternalRequestInfo(e.EventId, ExternalRequestKind.Signal, ns, a.Execution.WorkflowId,
            string.IsNullOrEmpty(a.Execution.RunId) ? null : a.Execution.RunId, a.ChildWorkflowOnly, e.SignalExternalWorkflowExecutionInitiatedEventAttributes);
        return e;
    }

    private HistoryEvent CancelExternal(RequestCancelExternalWorkflowExecutionCommandAttributes? a)
    {
        if (a is null || string.IsNullOrEmpty(a.WorkflowId))
        {
            throw Fail(WorkflowTaskFailedCause.BadRequestCancelExternalWorkflowExecutionAttributes, "WorkflowId is not set on command.");
        }
        var ns = S.Key.Namespace;
        var e = tx.Append(new HistoryEvent
        {
            EventType = EventType.RequestCancelExternalWorkflowExecutionInitiated,
            RequestCancelExternalWorkflowExecutionInitiatedEventAttributes = new()
            {
                WorkflowTaskCompletedEventId = completedEventId,
                Namespace = ns,
                WorkflowExecution = new WorkflowExecution { WorkflowId = a.WorkflowId, RunId = a.RunId },
                ChildWorkflowOnly = a.ChildWorkflowOnly,
                Reason = a.Reason,
            },
        });
        S.ExternalRequests[e.EventId] = new ExternalRequestInfo(e.EventId, ExternalRequestKind.Cancel, ns, a.WorkflowId,
            string.IsNullOrEmpty(a.RunId) ? null : a.RunId, a.ChildWorkflowOnly, Reason: a.Reason);
        return e;
    }

    private HistoryEvent UpsertSearchAttributes(UpsertWorkflowSearchAttributesCommandAttributes? a)
    {
        const WorkflowTaskFailedCause Bad = WorkflowTaskFailedCause.BadSearchAttributes;
        if (a?.SearchAttributes is null || a.SearchAttributes.IndexedFields.Count == 0)
        {
            throw Fail(Bad, "SearchAttributes is not set on command.");
        }
        ValidateSearchAttributes(a.SearchAttributes, Bad);
        S.SearchAttributes = Merge(S.SearchAttributes.IndexedFields, a.SearchAttributes.IndexedFields, static f => new SearchAttributes { IndexedFields = { f } });
        return tx.Append(new HistoryEvent
        {
            EventType = EventType.UpsertWorkflowSearchAttributes,
            UpsertWorkflowSearchAttributesEventAttributes = new() { WorkflowTaskCompletedEventId = completedEventId, SearchAttributes = a.SearchAttributes },
        });
    }

    private HistoryEvent ModifyProperties(ModifyWorkflowPropertiesCommandAttributes? a)
    {
        if (a?.UpsertedMemo is null)
        {
            throw Fail(WorkflowTaskFailedCause.BadModifyWorkflowPropertiesAttributes, "UpsertedMemo is not set on command.");
        }
        if (a.UpsertedMemo.CalculateSize() > ServerLimits.MemoSizeLimit)
        {
            throw Fail(WorkflowTaskFailedCause.BadModifyWorkflowPropertiesAttributes, "Memo exceeds size limit.");
        }
        S.Memo = Merge(S.Memo.Fields, a.UpsertedMemo.Fields, static f => new Memo { Fields = { f } });
        return tx.Append(new HistoryEvent
        {
            EventType = EventType.WorkflowPropertiesModified,
            WorkflowPropertiesModifiedEventAttributes = new() { WorkflowTaskCompletedEventId = completedEventId, UpsertedMemo = a.UpsertedMemo },
        });
    }

    private void ValidateSearchAttributes(SearchAttributes attributes, WorkflowTaskFailedCause cause)
    {
        if (SearchAttributeValues.Validate(attributes, rules.SearchAttributeType) is { } error)
        {
            throw Fail(cause, error);
        }
        SearchAttributeValues.StampTypes(attributes, rules.SearchAttributeType);
    }

    // An upserted field with an empty (null) payload removes the field.
    private static T Merge<T>(IDictionary<string, Payload> current, IDictionary<string, Payload> changes, Func<Dictionary<string, Payload>, T> wrap)
    {
        var merged = new Dictionary<string, Payload>(current, StringComparer.Ordinal);
        foreach (var (name, value) in changes)
        {
            if (SearchAttributeValues.IsNull(value))
            {
                merged.Remove(name);
            }
            else
            {
                merged[name] = value;
            }
        }
        return wrap(merged);
    }
}
