using System.Globalization;
using Temporalio.Api.History.V1;

namespace EasyParkPlus.Api.Endpoints;

/// <summary>One line an operator reads beside a history event: which activity, timer, signal, child or marker it is about.</summary>
public static class HistoryText
{
    public static string Describe(HistoryEvent e) => e.AttributesCase switch
    {
        HistoryEvent.AttributesOneofCase.WorkflowExecutionStartedEventAttributes =>
            $"{e.WorkflowExecutionStartedEventAttributes.WorkflowType?.Name} on {e.WorkflowExecutionStartedEventAttributes.TaskQueue?.Name}",
        HistoryEvent.AttributesOneofCase.ActivityTaskScheduledEventAttributes =>
            $"{e.ActivityTaskScheduledEventAttributes.ActivityType?.Name} (activity {e.ActivityTaskScheduledEventAttributes.ActivityId})",
        HistoryEvent.AttributesOneofCase.ActivityTaskFailedEventAttributes => e.ActivityTaskFailedEventAttributes.Failure?.Message ?? "",
        HistoryEvent.AttributesOneofCase.TimerStartedEventAttributes =>
            $"timer {e.TimerStartedEventAttributes.TimerId} for {e.TimerStartedEventAttributes.StartToFireTimeout?.ToTimeSpan().ToString("c", CultureInfo.InvariantCulture)}",
        HistoryEvent.AttributesOneofCase.TimerFiredEventAttributes => $"timer {e.TimerFiredEventAttributes.TimerId}",
        HistoryEvent.AttributesOneofCase.WorkflowExecutionSignaledEventAttributes => e.WorkflowExecutionSignaledEventAttributes.SignalName,
        HistoryEvent.AttributesOneofCase.MarkerRecordedEventAttributes => e.MarkerRecordedEventAttributes.MarkerName,
        HistoryEvent.AttributesOneofCase.StartChildWorkflowExecutionInitiatedEventAttributes =>
            $"{e.StartChildWorkflowExecutionInitiatedEventAttributes.WorkflowType?.Name} {e.StartChildWorkflowExecutionInitiatedEventAttributes.WorkflowId}",
        HistoryEvent.AttributesOneofCase.WorkflowTaskFailedEventAttributes => e.WorkflowTaskFailedEventAttributes.Failure?.Message ?? "",
        HistoryEvent.AttributesOneofCase.WorkflowExecutionFailedEventAttributes => e.WorkflowExecutionFailedEventAttributes.Failure?.Message ?? "",
        HistoryEvent.AttributesOneofCase.WorkflowExecutionTerminatedEventAttributes => e.WorkflowExecutionTerminatedEventAttributes.Reason,
        _ => "",
    };
}
