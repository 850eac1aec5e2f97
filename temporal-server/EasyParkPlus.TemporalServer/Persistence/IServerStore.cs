using EasyParkPlus.TemporalServer.History;
using Temporalio.Api.History.V1;

namespace EasyParkPlus.TemporalServer.Persistence;

/// <summary>
/// Durable state of the server. Implementations: <c>InMemory/</c> (tests, the time-skipping server) and <c>Postgres/</c>. The contract, which every implementation keeps and the behaviour suite checks:
/// <list type="number">
/// <item>A run's history is append-only and dense from 1. <see cref="CommitAsync"/> appends a run's events only
/// while the run's stored <see cref="RunState.Version"/> equals <see cref="RunCommit.ExpectedVersion"/> (optimistic
/// concurrency); otherwise the whole batch is refused with <see cref="CommitConflictException"/> and nothing is
/// written. Several server processes may therefore work on one database: the loser reloads and retries.</item>
/// <item>Everything a transition implies commits together: events, the new state, the current-run pointer, the
/// visibility record and the task rows (timers, queue tasks, transfer tasks). Cross-run effects (child start, signal
/// or cancel of another run, parent notification, parent close policy) are transfer-task rows in that same commit,
/// executed after it by whichever process claims them, each step idempotent; continue-as-new creates the new run
/// in the same batch as the old run's close.</item>
/// <item>A batch may hold several runs (group commit): all or nothing, each run guarded by its own version.</item>
/// <item>Task rows are named by what they are for (<see cref="TimerTask.Key"/>, <see cref="QueueTask.Key"/>,
/// <see cref="TransferTask.Key"/>), so adding one twice or deleting one that is gone is harmless. A task carries the
/// stamp of the attempt it belongs to; whoever executes it checks the stamp against the run's state, so a stale or
/// doubly claimed task changes nothing (fencing), and a claim's lease lets another process take over after a crash.</item>
/// <item>Visibility is written in the same transaction as the history (strongly consistent).</item>
/// </list>
/// A PostgreSQL store can do a commit in one round trip (a multi-statement batch: guarded UPDATE of the run row,
/// <c>unnest</c> inserts of events and tasks, DELETEs of tasks by key, an UPSERT of visibility), load a run with its
/// tail of events in one statement, and claim due timers / queue tasks with <c>FOR UPDATE SKIP LOCKED</c>.
/// </summary>
public interface IServerStore
{
    // ------------------------------------------------------------------ namespaces

    /// <summary>All namespaces (a handful; the server caches them).</summary>
    ValueTask<IReadOnlyList<NamespaceRecord>> LoadNamespacesAsync(CancellationToken cancellationToken);

    /// <summary>Creates (when <paramref name="expectedRevision"/> is 0) or replaces a namespace guarded by its revision.</summary>
    /// <returns>false when the guard failed (the name exists, or the revision moved).</returns>
    ValueTask<bool> SaveNamespaceAsync(NamespaceRecord record, long expectedRevision, CancellationToken cancellationToken);

    // ------------------------------------------------------------------ runs

    /// <summary>The run's state as last committed, or null.</summary>
    ValueTask<RunState?> LoadRunAsync(RunKey key, CancellationToken cancellationToken);

    /// <summary>The current (latest) run of a workflow id, or null when the id was never used.</summary>
    ValueTask<CurrentRun?> GetCurrentRunAsync(WorkflowKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="maxEvents"/> committed events of a run with ids in [<paramref name="fromEventId"/>,
    /// <paramref name="toEventId"/>) in ascending order, or in descending order from <paramref name="toEventId"/> − 1
    /// down when <paramref name="reverse"/> is set.
    /// </summary>
    ValueTask<IReadOnlyList<HistoryEvent>> ReadHistoryAsync(RunKey key, long fromEventId, long toEventId, int maxEvents, bool reverse, CancellationToken cancellationToken);

    /// <summary>Writes a batch atomically, or nothing (see the contract above).</summary>
    /// <exception cref="CommitConflictException">A run's version or a current-run guard did not hold.</exception>
    ValueTask CommitAsync(CommitBatch batch, CancellationToken cancellationToken);

    // ------------------------------------------------------------------ tasks (recovery and multi-process claims)

    /// <summary>Timers due at or before <paramref name="dueBy"/> (ordered by due time), claimed until <paramref name="leaseUntil"/>.</summary>
    ValueTask<IReadOnlyList<TimerTask>> ClaimTimersAsync(DateTimeOffset dueBy, int max, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    /// <summary>The earliest due time of any unclaimed timer, or null.</summary>
    ValueTask<DateTimeOffset?> NextTimerDueAsync(CancellationToken cancellationToken);

    /// <summary>Transfer tasks not yet done and not under a lease at <paramref name="now"/>, claimed until <paramref name="leaseUntil"/>.</summary>
    ValueTask<IReadOnlyList<TransferTask>> ClaimTransfersAsync(int max, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    /// <summary>
    /// Queue tasks of one task queue not under a lease at <paramref name="now"/>, oldest first, claimed until
    /// <paramref name="leaseUntil"/>: concurrent claimers never get the same task while its lease holds.
    /// </summary>
    ValueTask<IReadOnlyList<QueueTask>> ClaimQueueTasksAsync(TaskQueueKey queue, int max, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    // ------------------------------------------------------------------ visibility

    /// <summary>
    /// One page of the namespace's visibility records that <paramref name="query"/> accepts, in its order (ORDER BY,
    /// then Temporal's default order), continuing after <paramref name="pageToken"/>; the token of the next page when
    /// this one is full. Tokens are <c>Visibility.VisibilityPaging</c>'s keyset tokens, so both stores page alike.
    /// In memory: <see cref="VisibilityListing.List"/>; in SQL: <c>Visibility.PostgresVisibilitySql</c>.
    /// </summary>
    /// <exception cref="Visibility.VisibilityPageTokenException">The token is not one this query handed out.</exception>
    ValueTask<VisibilityPage> ListExecutionsAsync(string @namespace, Visibility.VisibilityQuery query, int pageSize, byte[]? pageToken, CancellationToken cancellationToken);

    /// <summary>How many of the namespace's records <paramref name="query"/> accepts, and per execution status when it groups by it.</summary>
    ValueTask<Visibility.VisibilityCount> CountExecutionsAsync(string @namespace, Visibility.VisibilityQuery query, CancellationToken cancellationToken);

    /// <summary>The visibility record of one run, or null.</summary>
    ValueTask<VisibilityRecord?> GetVisibilityAsync(RunKey key, CancellationToken cancellationToken);
}

/// <summary>A commit lost a race (another process or request changed the run first); reload and retry.</summary>
public sealed class CommitConflictException(string message) : Exception(message);
