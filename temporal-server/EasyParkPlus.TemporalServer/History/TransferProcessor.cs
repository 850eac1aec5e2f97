using System.Threading.Channels;
using EasyParkPlus.TemporalServer.Frontend;
using EasyParkPlus.TemporalServer.Persistence;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>
/// Carries out cross-run effects after the commit that owes them: start a child, deliver a signal or cancel request
/// to another run, tell a parent its child closed, apply a parent close policy. Each step is idempotent (the child's
/// start request id, the signal's request id, the parent's pending-child record), so a task delivered twice or
/// retried after a failure has its effect once. Each pending task holds a time-skipping lock until it is done, so a
/// virtual clock does not jump past a child that is about to start.
/// </summary>
public sealed class TransferProcessor : ICommitObserver, IAsyncDisposable
{
    private readonly HistoryEngine _engine;
    private readonly WorkflowStarter _starter;
    private readonly ILogger<TransferProcessor> _logger;
    private readonly Channel<TransferTask> _queue = Channel.CreateUnbounded<TransferTask>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;

    public TransferProcessor(HistoryEngine engine, WorkflowStarter starter, ILogger<TransferProcessor> logger)
    {
        _engine = engine;
        _starter = starter;
        _logger = logger;
        _workers = [.. Enumerable.Range(0, 4).Select(_ => Task.Run(WorkAsync))];
    }

    public void OnCommitted(CommittedRun run)
    {
        foreach (var task in run.Commit.AddedTransfers)
        {
            Enqueue(task);
        }
    }

    /// <summary>Queues a task (from a commit, or loaded from the store after a restart).</summary>
    public void Enqueue(TransferTask task)
    {
        _engine.Clock.Lock();
        if (!_queue.Writer.TryWrite(task))
        {
            _engine.Clock.Unlock();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync();
        await Task.WhenAll(_workers).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task WorkAsync()
    {
        await foreach (var task in _queue.Reader.ReadAllAsync(_stop.Token))
        {
            try
            {
                await ProcessAsync(task, _stop.Token);
                _engine.Clock.Unlock();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.TransferFailed(_logger, task.Key.Kind.ToString(), task.Key.Source.ToString(), e);
                _engine.Clock.Unlock();
                // Retried a little later (the in-memory store cannot fail, so this is a bug or a shutdown race).
                _ = RetryLaterAsync(task);
            }
        }
    }

    private async Task RetryLaterAsync(TransferTask task)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token);
            Enqueue(task);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ProcessAsync(TransferTask task, CancellationToken ct)
    {
        var source = await _engine.GetAsync(task.Key.Source, ct);
        if (source is null)
        {
            await CompleteAsync(task, ct);
            return;
        }
        switch (task.Key.Kind)
        {
            case TransferKind.StartChild:
                await StartChildAsync(source, task.Key.EventId, ct);
                break;
            case TransferKind.SignalExternal:
            case TransferKind.CancelExternal:
                await DeliverExternalAsync(source, task.Key, ct);
                break;
            case TransferKind.NotifyParent:
                await NotifyParentAsync(source, task, ct);
                break;
            case TransferKind.ParentClosePolicy:
                await ApplyParentClosePolicyAsync(source, task, ct);
                break;
        }
    }

    private async Task StartChildAsync(RunState parent, long initiatedEventId, CancellationToken ct)
    {
        if (!parent.IsRunning || !parent.Children.TryGetValue(initiatedEventId, out var child) || child.State != ChildState.Initiated)
        {
            return;
        }
        var i = child.Initiated;
        var attributes = new WorkflowExecutionStartedEventAttributes
        {
            WorkflowType = i.WorkflowType,
            ParentWorkflowNamespace = parent.Key.Namespace,
            ParentWorkflowNamespaceId = parent.Key.Namespace,
            ParentWorkflowExecution = new WorkflowExecution { WorkflowId = parent.Key.WorkflowId, RunId = parent.Key.RunId },
            ParentInitiatedEventId = initiatedEventId,
            TaskQueue = i.TaskQueue,
            Input = i.Input,
            WorkflowExecutionTimeout = i.WorkflowExecutionTimeout,
            WorkflowRunTimeout = i.WorkflowRunTimeout,
            WorkflowTaskTimeout = i.WorkflowTaskTimeout,
            RetryPolicy = i.RetryPolicy,
            Memo = i.Memo,
            SearchAttributes = i.SearchAttributes,
            Header = i.Header,
            Priority = i.Priority,
            RootWorkflowExecution = parent.Start.RootWorkflowExecution ?? new WorkflowExecution { WorkflowId = parent.Key.WorkflowId, RunId = parent.Key.RunId },
        };
        var request = new StartRequest(i.Namespace, i.WorkflowId, attributes, $"child:{parent.Key.RunId}:{initiatedEventId}",
            i.WorkflowIdReusePolicy, WorkflowIdConflictPolicy.Fail, TimeSpan.Zero);
        string? runId = null;
        try
        {
            runId = (await _starter.StartAsync(request, ct)).RunId;
        }
        catch (RpcError e) when (e.Code == Grpc.Core.StatusCode.AlreadyExists)
        {
        }
        await UpdateIfExistsAsync(parent.Key, tx =>
        {
            if (runId is null)
            {
                CrossRun.ChildStartFailed(tx, initiatedEventId, StartChildWorkflowExecutionFailedCause.WorkflowAlreadyExists);
            }
            else
            {
                CrossRun.ChildStarted(tx, initiatedEventId, runId);
            }
        }, ct);
    }

    private async Task DeliverExternalAsync(RunState source, TransferTaskKey key, CancellationToken ct)
    {
        if (!source.IsRunning || !source.ExternalRequests.TryGetValue(key.EventId, out var request))
        {
            return;
        }
        var target = await FindTargetAsync(request, source, ct);
        var delivered = false;
        if (target is not null)
        {
            var from = new WorkflowExecution { WorkflowId = source.Key.WorkflowId, RunId = source.Key.RunId };
            var requestId = $"external:{source.Key.RunId}:{key.EventId}";
            delivered = await UpdateIfExistsAsync(target.Value, tx =>
            {
                if (!tx.State.IsRunning)
                {
                    return;
                }
                if (request.Kind == ExternalRequestKind.Signal)
                {
                    var signal = request.Signal;
                    ExecutionRequests.Signal(tx, signal?.SignalName ?? "", signal?.Input, signal?.Header, "", requestId, from);
                }
                else
                {
                    ExecutionRequests.RequestCancel(tx, request.Reason, "", requestId, key.EventId, from);
                }
            }, ct) && (await _engine.GetAsync(target.Value, ct))?.RequestIds.Contains(requestId) == true;
        }
        await UpdateIfExistsAsync(source.Key, tx =>
        {
            switch (request.Kind, delivered)
            {
                case (ExternalRequestKind.Signal, true):
                    CrossRun.ExternalSignaled(tx, key.EventId, target!.Value.RunId);
                    break;
                case (ExternalRequestKind.Signal, false):
                    CrossRun.ExternalSignalFailed(tx, key.EventId);
                    break;
                case (ExternalRequestKind.Cancel, true):
                    CrossRun.ExternalCancelRequested(tx, key.EventId, target!.Value.RunId);
                    break;
                default:
                    CrossRun.ExternalCancelFailed(tx, key.EventId);
                    break;
            }
        }, ct);
    }

    private async Task<RunKey?> FindTargetAsync(ExternalRequestInfo request, RunState source, CancellationToken ct)
    {
        RunKey key;
        if (request.RunId is { } runId)
        {
            key = new RunKey(request.Namespace, request.WorkflowId, runId);
        }
        else if (await _engine.Store.GetCurrentRunAsync(new WorkflowKey(request.Namespace, request.WorkflowId), ct) is { } current)
        {
            key = new RunKey(request.Namespace, request.WorkflowId, current.RunId);
        }
        else
        {
            return null;
        }
        var target = await _engine.GetAsync(key, ct);
        if (target is null || !target.IsRunning)
        {
            return null;
        }
        if (request.ChildWorkflowOnly && target.Start.ParentWorkflowExecution?.WorkflowId != source.Key.WorkflowId)
        {
            return null;
        }
        return key;
    }

    private async Task NotifyParentAsync(RunState child, TransferTask task, CancellationToken ct)
    {
        if (child.Start.ParentWorkflowExecution is not { } parent || child.CloseEvent is null)
        {
            await CompleteAsync(task, ct);
            return;
        }
        var parentKey = new RunKey(string.IsNullOrEmpty(child.Start.ParentWorkflowNamespace) ? child.Key.Namespace : child.Start.ParentWorkflowNamespace,
            parent.WorkflowId, parent.RunId);
        var applied = await UpdateIfExistsAsync(parentKey, tx =>
        {
            CrossRun.ChildClosed(tx, child.Start.ParentInitiatedEventId, child.CloseEvent);
            tx.CompletedTransfers.Add(task.Key);
            tx.HasChanges = true;
        }, ct);
        if (!applied)
        {
            await CompleteAsync(task, ct);
        }
    }

    private async Task ApplyParentClosePolicyAsync(RunState parent, TransferTask task, CancellationToken ct)
    {
        if (!parent.Children.TryGetValue(task.Key.EventId, out var child) || child.RunId is null)
        {
            await CompleteAsync(task, ct);
            return;
        }
        var current = await _engine.Store.GetCurrentRunAsync(new WorkflowKey(child.Initiated.Namespace, child.Initiated.WorkflowId), ct);
        var applied = false;
        if (current is { Status: WorkflowExecutionStatus.Running })
        {
            var key = new RunKey(child.Initiated.Namespace, child.Initiated.WorkflowId, current.RunId);
            applied = await UpdateIfExistsAsync(key, tx =>
            {
                var firstRun = string.IsNullOrEmpty(tx.State.Start.FirstExecutionRunId) ? tx.Key.RunId : tx.State.Start.FirstExecutionRunId;
                if (tx.State.IsRunning && firstRun == child.RunId)
                {
                    if (child.Initiated.ParentClosePolicy == ParentClosePolicy.RequestCancel)
                    {
                        ExecutionRequests.RequestCancel(tx, "by parent close policy", "history-service", $"parent-close:{parent.Key.RunId}:{task.Key.EventId}");
                    }
                    else
                    {
                        RunClosing.Terminate(tx, "by parent close policy", null, "history-service");
                    }
                }
                tx.CompletedTransfers.Add(task.Key);
                tx.HasChanges = true;
            }, ct);
        }
        if (!applied)
        {
            await CompleteAsync(task, ct);
        }
    }

    private async Task<bool> UpdateIfExistsAsync(RunKey key, Action<RunTransaction> transition, CancellationToken ct)
    {
        try
        {
            await _engine.UpdateAsync(key, tx =>
            {
                transition(tx);
                return 0;
            }, ct);
            return true;
        }
        catch (RpcError e) when (e.Code is Grpc.Core.StatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task CompleteAsync(TransferTask task, CancellationToken ct) =>
        await _engine.Store.CommitAsync(new CommitBatch([]) { CompletedTransfers = [task.Key] }, ct);
}
