using Microsoft.Extensions.Logging;

namespace EasyParkPlus.Engine;

/// <summary>The engine's log messages (event ids 1000–1999).</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Warning, "Workflow {WorkflowType} has no signal {SignalName}; the signal is dropped")]
    public static partial void UnknownSignalDropped(ILogger logger, string workflowType, string signalName);

    [LoggerMessage(1002, LogLevel.Warning, "Signal {SignalName} of {WorkflowId} has arguments that do not fit; the signal is dropped")]
    public static partial void SignalArgumentsDropped(ILogger logger, Exception exception, string signalName, string workflowId);
}
