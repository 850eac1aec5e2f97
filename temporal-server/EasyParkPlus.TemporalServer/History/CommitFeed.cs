using EasyParkPlus.TemporalServer.Persistence;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>A run's commit as the in-process parts (timers, matching, transfers, long polls) learn of it.</summary>
/// <param name="Commit">What was written.</param>
/// <param name="CompletedTransfers">Transfer tasks the batch carried out.</param>
public sealed record CommittedRun(RunCommit Commit, IReadOnlyList<TransferTaskKey> CompletedTransfers);

/// <summary>Something in this process that follows commits (to arm timers, dispatch tasks, wake long polls).</summary>
public interface ICommitObserver
{
    void OnCommitted(CommittedRun run);
}

/// <summary>
/// Hands every commit of this process to the observers, in commit order per run. It decouples the history engine
/// from the processors that call back into it.
/// </summary>
public sealed class CommitFeed
{
    private volatile ICommitObserver[] _observers = [];

    public void Subscribe(ICommitObserver observer)
    {
        lock (this)
        {
            _observers = [.. _observers, observer];
        }
    }

    public void Publish(CommittedRun run)
    {
        foreach (var observer in _observers)
        {
            observer.OnCommitted(run);
        }
    }
}
