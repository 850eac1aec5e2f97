using EasyParkPlus.TemporalServer.Frontend;
using EasyParkPlus.TemporalServer.Persistence;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>A signal delivered with a start (signal-with-start) or to the run that is already there.</summary>
public sealed record SignalDelivery(string Name, Payloads? Input, Header? Header, string Identity, string RequestId);

/// <summary>Everything a start needs: the new run's started attributes and how to treat a workflow id in use.</summary>
public sealed record StartRequest(
    string Namespace,
    string WorkflowId,
    WorkflowExecutionStartedEventAttributes Attributes,
    string RequestId,
    WorkflowIdReusePolicy ReusePolicy,
    WorkflowIdConflictPolicy ConflictPolicy,
    TimeSpan StartDelay,
    SignalDelivery? Signal = null,
    string? EagerIdentity = null);

/// <summary>The run a start ended on: a new one (<see cref="Started"/>) or the one already running.</summary>
public sealed record StartResult(string RunId, bool Started, StartedWorkflowTask? EagerTask);

/// <summary>
/// Starts runs with Temporal's rules for a workflow id in use: request-id idempotency, the id conflict policy for a
/// running run (fail, use it, terminate it) and the id reuse policy for a closed one. The current-run pointer guards
/// the create, so two racing starts of one id yield one run.
/// </summary>
public sealed class WorkflowStarter(HistoryEngine engine)
{
    private const int MaxAttempts = 5;

    public async Task<StartResult> StartAsync(StartRequest request, CancellationToken cancellationToken)
    {
        var workflow = new WorkflowKey(request.Namespace, request.WorkflowId);
        for (var attempt = 1; ; attempt++)
        {
            var current = await engine.Store.GetCurrentRunAsync(workflow, cancellationToken);
            if (current is not null)
            {
                var existing = new RunKey(request.Namespace, request.WorkflowId, current.RunId);
                if (current.StartRequestId == request.RequestId)
                {
                    // The same request again: the run it started, whatever happened to it since.
                    return new StartResult(current.RunId, true, null);
                }
                if (current.Status == WorkflowExecutionStatus.Running)
                {
#pragma warning disable CS0612 // the deprecated reuse policy still means "terminate the running one"
                    var conflict = request.ReusePolicy == WorkflowIdReusePolicy.TerminateIfRunning ? WorkflowIdConflictPolicy.TerminateExisting : request.ConflictPolicy;
#pragma warning restore CS0612
                    switch (conflict)
                    {
                        case WorkflowIdConflictPolicy.UseExisting:
                            if (request.Signal is { } signal)
                            {
                                await engine.UpdateAsync(existing, tx =>
                                {
                                    ExecutionRequests.Signal(tx, signal.Name, signal.Input, signal.Header, signal.Identity, signal.RequestId);
                                    return 0;
                                }, cancellationToken);
                            }
                            return new StartResult(current.RunId, false, null);
                        case WorkflowIdConflictPolicy.TerminateExisting:
                            await TerminateAsync(existing, request.RunIdHint(), cancellationToken);
                            break;
                        default:
                            throw AlreadyStarted(request, current);
                    }
                }
                else if (request.ReusePolicy == WorkflowIdReusePolicy.RejectDuplicate
                    || (request.ReusePolicy == WorkflowIdReusePolicy.AllowDuplicateFailedOnly && current.Status is WorkflowExecutionStatus.Completed or WorkflowExecutionStatus.ContinuedAsNew))
                {
                    throw AlreadyStarted(request, current);
                }
            }

            var runId = Guid.NewGuid().ToString();
            var tx = RunStarts.Create(new RunKey(request.Namespace, request.WorkflowId, runId), request.Attributes.Clone(), request.RequestId, engine.Clock.UtcNow, request.StartDelay);
            if (request.Signal is { } startSignal)
            {
                // The start already claims the request id (a retry finds the run above); the signal must not be taken for its repeat.
                ExecutionRequests.Signal(tx, startSignal.Name, startSignal.Input, startSignal.Header, startSignal.Identity, requestId: "");
            }
            StartedWorkflowTask? eager = null;
            if (request.EagerIdentity is { } identity && !tx.State.AwaitingStartBackoff)
            {
                tx.ScheduleWorkflowTask();
                eager = WorkflowTasks.StartNow(tx, Guid.NewGuid().ToString(), identity);
            }
            try
            {
                await engine.CreateAsync(tx, new CurrentRunGuard(current?.RunId), cancellationToken);
                return new StartResult(runId, true, eager);
            }
            catch (CommitConflictException) when (attempt < MaxAttempts)
            {
                // Another start of this id won the race; decide again against its run.
            }
        }
    }

    private async Task TerminateAsync(RunKey run, string newRunNote, CancellationToken cancellationToken)
    {
        try
        {
            await engine.UpdateAsync(run, tx =>
            {
                if (tx.State.IsRunning)
                {
                    RunClosing.Terminate(tx, "terminated by a new start of this workflow id (TERMINATE_EXISTING)", null, newRunNote);
                }
                return 0;
            }, cancellationToken);
        }
        catch (RpcError e) when (e.Code == Grpc.Core.StatusCode.NotFound)
        {
            // Closed meanwhile: fine.
        }
    }

    private static RpcError AlreadyStarted(StartRequest request, CurrentRun current) =>
        RpcError.AlreadyStarted($"Workflow execution is already running. WorkflowId: {request.WorkflowId}, RunId: {current.RunId}.", current.StartRequestId, current.RunId);
}

internal static class StartRequestExtensions
{
    public static string RunIdHint(this StartRequest request) => string.IsNullOrEmpty(request.Attributes.Identity) ? "history-service" : request.Attributes.Identity;
}
