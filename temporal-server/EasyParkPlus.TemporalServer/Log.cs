namespace EasyParkPlus.TemporalServer;

/// <summary>The server's log messages (event ids 11000-11999).</summary>
internal static partial class Log
{
    [LoggerMessage(11000, LogLevel.Information, "Temporal-compatible server listening on {Address} ({Mode}, namespaces {Namespaces})")]
    public static partial void Listening(ILogger logger, string address, string mode, string namespaces);

    [LoggerMessage(11001, LogLevel.Warning, "Ignoring unknown command-line argument {Argument}")]
    public static partial void UnknownArgument(ILogger logger, string argument);

    [LoggerMessage(11002, LogLevel.Error, "Timer {Kind} of run {Run} failed to apply")]
    public static partial void TimerFailed(ILogger logger, string kind, string run, Exception exception);

    [LoggerMessage(11003, LogLevel.Error, "Transfer task {Kind} of run {Run} failed; retrying")]
    public static partial void TransferFailed(ILogger logger, string kind, string run, Exception exception);

    [LoggerMessage(11004, LogLevel.Error, "RPC {Method} failed unexpectedly")]
    public static partial void RpcFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(11005, LogLevel.Error, "A clock callback failed")]
    public static partial void ClockCallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(11006, LogLevel.Debug, "Workflow task of {Run} failed: {Cause} {Message}")]
    public static partial void WorkflowTaskFailed(ILogger logger, string run, string cause, string message);

    [LoggerMessage(11007, LogLevel.Warning, "The Web UI is not built, so its port serves only the HTTP API: run ./easypark ui_build")]
    public static partial void WebUiNotBuilt(ILogger logger);
}
