using Google.Protobuf;
using Grpc.Core;
using Temporalio.Api.ErrorDetails.V1;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>
/// An error as Temporal's frontend returns it: a gRPC status code, a message and, where Temporal sends one, a typed
/// detail from <c>temporal.api.errordetails.v1</c> (carried in <c>grpc-status-details-bin</c>, from which the SDK
/// raises its typed exceptions). Handlers and transitions throw it; nothing is committed when one escapes.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710", Justification = "Named for what it is: an RPC error status, not a general exception type.")]
public sealed class RpcError(StatusCode code, string message, IMessage? detail = null) : Exception(message)
{
    public StatusCode Code { get; } = code;
    public IMessage? Detail { get; } = detail;

    public static RpcError InvalidArgument(string message) => new(StatusCode.InvalidArgument, message);

    public static RpcError NotFound(string message) =>
        new(StatusCode.NotFound, message, new NotFoundFailure { CurrentCluster = "active", ActiveCluster = "active" });

    public static RpcError WorkflowNotFound(string workflowId, string? runId = null) =>
        NotFound(string.IsNullOrEmpty(runId)
            ? $"workflow not found for ID: {workflowId}"
            : $"workflow execution not found for workflow ID \"{workflowId}\" and run ID \"{runId}\"");

    public static RpcError NamespaceNotFound(string name) =>
        new(StatusCode.NotFound, $"Namespace {name} is not found.", new NamespaceNotFoundFailure { Namespace = name });

    public static RpcError NamespaceAlreadyExists(string name) =>
        new(StatusCode.AlreadyExists, $"Namespace {name} already exists.", new NamespaceAlreadyExistsFailure());

    public static RpcError AlreadyStarted(string message, string startRequestId, string runId) =>
        new(StatusCode.AlreadyExists, message, new WorkflowExecutionAlreadyStartedFailure { StartRequestId = startRequestId, RunId = runId });

    public static RpcError QueryFailed(string message, Temporalio.Api.Failure.V1.Failure? failure) =>
        new(StatusCode.InvalidArgument, message, new QueryFailedFailure { Failure = failure });

    public static RpcError AlreadyExists(string message) => new(StatusCode.AlreadyExists, message);

    public static RpcError FailedPrecondition(string message) => new(StatusCode.FailedPrecondition, message);

    public static RpcError WorkflowNotReady(string message) => new(StatusCode.FailedPrecondition, message, new WorkflowNotReadyFailure());

    public static RpcError Unimplemented(string message) => new(StatusCode.Unimplemented, message);

    public static RpcError ResourceExhausted(string message) => new(StatusCode.ResourceExhausted, message);

    public static RpcError Internal(string message) => new(StatusCode.Internal, message);

    public static RpcError Unavailable(string message) => new(StatusCode.Unavailable, message);

    public static RpcError DeadlineExceeded(string message) => new(StatusCode.DeadlineExceeded, message);

    public static RpcError Canceled(string message) => new(StatusCode.Cancelled, message);
}
