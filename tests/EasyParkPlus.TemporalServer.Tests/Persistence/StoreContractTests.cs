using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Persistence;
using SearchAttributeSchema = EasyParkPlus.TemporalServer.Visibility.SearchAttributeSchema;
using VisibilityQuery = EasyParkPlus.TemporalServer.Visibility.VisibilityQuery;
using Temporalio.Api.Enums.V1;
using static EasyParkPlus.TemporalServer.Tests.Persistence.StoreSamples;

namespace EasyParkPlus.TemporalServer.Tests.Persistence;

/// <summary>
/// The contract of <see cref="IServerStore"/> (see its XML docs), the same tests for every store: each subclass names
/// one store. Claims are global, so tests that claim use rows of their own runs or queues and look only at those.
/// </summary>
public abstract class StoreContractTests
{
    protected abstract IServerStore Store { get; }

    private static CancellationToken None => CancellationToken.None;

    [Fact]
    public async Task CommitAsync_NewRunWithEveryKindOfState_LoadsTheSameStateHistoryAndCurrentRun()
    {
        var key = NewRun();
        var commit = Create(key);

        await Store.CommitAsync(new CommitBatch([commit]), None);

        var loaded = await Store.LoadRunAsync(key, None);
        loaded.Should().BeEquivalentTo(commit.State, o => o.ComparingByMembers<RunState>());
        (await Store.ReadHistoryAsync(key, 1, long.MaxValue, 100, reverse: false, None)).Should().Equal(commit.Events);
        (await Store.GetCurrentRunAsync(new WorkflowKey(key.Namespace, key.WorkflowId), None)).Should().Be(commit.Current);
        (await Store.GetVisibilityAsync(key, None)).Should().BeEquivalentTo(commit.Visibility);
    }

    [Fact]
    public async Task CommitAsync_OneRunOfTheBatchAtAStaleVersion_WritesNothingOfTheBatch()
    {
        var existing = NewRun();
        await Store.CommitAsync(new CommitBatch([Create(existing)]), None);
        await Store.CommitAsync(new CommitBatch([Advance(existing, 1, 4)]), None);
        var fresh = NewRun();
        var timer = new TimerTask(new TimerTaskKey(fresh, TimerKind.UserTimer, "t", 1), T0);

        var stale = async () => await Store.CommitAsync(new CommitBatch([Create(fresh) with { AddedTimers = [timer] }, Advance(existing, 1, 5)]), None);

        await stale.Should().ThrowAsync<CommitConflictException>();
        (await Store.LoadRunAsync(fresh, None)).Should().BeNull();
        (await Store.ReadHistoryAsync(fresh, 1, long.MaxValue, 100, false, None)).Should().BeEmpty();
        (await Store.GetCurrentRunAsync(new WorkflowKey(fresh.Namespace, fresh.WorkflowId), None)).Should().BeNull();
        (await Store.GetVisibilityAsync(fresh, None)).Should().BeNull();
        (await Store.LoadRunAsync(existing, None))!.Version.Should().Be(2);
        (await Store.ReadHistoryAsync(existing, 1, long.MaxValue, 100, false, None)).Should().HaveCount(4);
    }

    [Fact]
    public async Task CommitAsync_TwoRunsInOneBatch_BothCommitEachAtItsVersion()
    {
        var (a, b) = (NewRun(), NewRun());
        await Store.CommitAsync(new CommitBatch([Create(a), Create(b)]), None);

        await Store.CommitAsync(new CommitBatch([Advance(a, 1, 4, events: 2), Advance(b, 1, 4)]), None);

        (await Store.LoadRunAsync(a, None))!.NextEventId.Should().Be(6);
        (await Store.LoadRunAsync(b, None))!.Version.Should().Be(2);
        (await Store.ReadHistoryAsync(a, 1, long.MaxValue, 100, false, None)).Select(e => e.EventId).Should().Equal(1, 2, 3, 4, 5);
    }

    [Fact]
    public async Task CommitAsync_SameRunCreatedTwice_SecondConflicts()
    {
        var key = NewRun();
        await Store.CommitAsync(new CommitBatch([Create(key)]), None);

        var again = async () => await Store.CommitAsync(new CommitBatch([Create(key) with { BecomeCurrent = null, Current = null }]), None);

        await again.Should().ThrowAsync<CommitConflictException>();
        (await Store.ReadHistoryAsync(key, 1, long.MaxValue, 100, false, None)).Should().HaveCount(3);
    }

    [Fact]
    public async Task CommitAsync_CurrentRunGuard_MovesThePointerOnlyFromTheExpectedRun()
    {
        var first = NewRun();
        await Store.CommitAsync(new CommitBatch([Create(first)]), None);
        var workflow = new WorkflowKey(first.Namespace, first.WorkflowId);
        var second = first with { RunId = Guid.NewGuid().ToString() };
        var third = first with { RunId = Guid.NewGuid().ToString() };

        var unused = async () => await Store.CommitAsync(new CommitBatch([Create(second)]), None);
        await unused.Should().ThrowAsync<CommitConflictException>("the id is in use, not unused");
        var wrongRun = async () => await Store.CommitAsync(new CommitBatch([Create(second) with { BecomeCurrent = new CurrentRunGuard("someone-else") }]), None);
        await wrongRun.Should().ThrowAsync<CommitConflictException>();
        (await Store.LoadRunAsync(second, None)).Should().BeNull();

        await Store.CommitAsync(new CommitBatch([Create(second) with { BecomeCurrent = new CurrentRunGuard(first.RunId), Current = new CurrentRun(second.RunId, WorkflowExecutionStatus.Running, "req-2", T0) }]), None);
        (await Store.GetCurrentRunAsync(workflow, None))!.RunId.Should().Be(second.RunId);

        // The old run closing later must not move the pointer back.
        await Store.CommitAsync(new CommitBatch([Advance(first, 1, 4) with { Current = new CurrentRun(first.RunId, WorkflowExecutionStatus.Completed, "req-1", T0) }]), None);
        (await Store.GetCurrentRunAsync(workflow, None)).Should().Be(new CurrentRun(second.RunId, WorkflowExecutionStatus.Running, "req-2", T0));

        // The current run's own commit updates its row.
        await Store.CommitAsync(new CommitBatch([Advance(second, 1, 4) with { Current = new CurrentRun(second.RunId, WorkflowExecutionStatus.Completed, "req-2", T0) }]), None);
        (await Store.GetCurrentRunAsync(workflow, None))!.Status.Should().Be(WorkflowExecutionStatus.Completed);

        var stale = async () => await Store.CommitAsync(new CommitBatch([Create(third) with { BecomeCurrent = new CurrentRunGuard(first.RunId) }]), None);
        await stale.Should().ThrowAsync<CommitConflictException>();
    }

    [Fact]
    public async Task ReadHistoryAsync_RangesLimitsAndReverse_ReturnTheDenseSlices()
    {
        var key = NewRun();
        await Store.CommitAsync(new CommitBatch([Create(key, events: 10)]), None);

        (await Store.ReadHistoryAsync(key, 3, 7, 100, false, None)).Select(e => e.EventId).Should().Equal(3, 4, 5, 6);
        (await Store.ReadHistoryAsync(key, 3, 100, 2, false, None)).Select(e => e.EventId).Should().Equal(3, 4);
        (await Store.ReadHistoryAsync(key, 1, 11, 3, true, None)).Select(e => e.EventId).Should().Equal(10, 9, 8);
        (await Store.ReadHistoryAsync(key, 1, 3, 100, true, None)).Select(e => e.EventId).Should().Equal(2, 1);
        (await Store.ReadHistoryAsync(key with { RunId = "missing" }, 1, 11, 100, false, None)).Should().BeEmpty();
    }

    [Fact]
    public async Task ClaimTimersAsync_DueTimers_ClaimedInDueOrderAndAgainOnlyAfterTheLease()
    {
        var key = NewRun();
        var late = new TimerTask(new TimerTaskKey(key, TimerKind.UserTimer, "late", 1), T0.AddSeconds(-50));
        var early = new TimerTask(new TimerTaskKey(key, TimerKind.ActivityStartToClose, "8", 3), T0.AddSeconds(-60));
        var future = new TimerTask(new TimerTaskKey(key, TimerKind.UserTimer, "future", 1), T0.AddDays(30));
        await Store.CommitAsync(new CommitBatch([Create(key) with { AddedTimers = [late, early, future] }]), None);

        var first = (await Store.ClaimTimersAsync(T0, 1000, T0.AddSeconds(30), None)).Where(t => t.Key.Run == key);
        var duringLease = (await Store.ClaimTimersAsync(T0.AddSeconds(10), 1000, T0.AddSeconds(40), None)).Where(t => t.Key.Run == key);
        var afterLease = (await Store.ClaimTimersAsync(T0.AddSeconds(31), 1000, T0.AddSeconds(60), None)).Where(t => t.Key.Run == key);

        first.Should().Equal(early, late);
        duringLease.Should().BeEmpty();
        afterLease.Should().Equal(early, late);
        (await Store.NextTimerDueAsync(None)).Should().NotBeNull().And.BeOnOrBefore(early.FireTime);
    }

    [Fact]
    public async Task CommitAsync_RemovedTimers_AreGoneAndRemovingAgainIsHarmless()
    {
        var key = NewRun();
        var timer = new TimerTask(new TimerTaskKey(key, TimerKind.UserTimer, "t", 1), T0.AddSeconds(-5));
        await Store.CommitAsync(new CommitBatch([Create(key) with { AddedTimers = [timer, timer] }]), None);
        await Store.CommitAsync(new CommitBatch([Advance(key, 1, 4) with { RemovedTimers = [timer.Key] }]), None);
        await Store.CommitAsync(new CommitBatch([Advance(key, 2, 5) with { RemovedTimers = [timer.Key] }]), None);

        (await Store.ClaimTimersAsync(T0, 1000, T0.AddSeconds(30), None)).Should().NotContain(t => t.Key.Run == key);
    }

    [Fact]
    public async Task ClaimQueueTasksAsync_OneQueue_OldestFirstAndOnlyThatQueueAndType()
    {
        var key = NewRun();
        var queue = $"q-{Guid.NewGuid():N}";
        var older = QueueTask(key, 5, T0.AddSeconds(1), queue);
        var newer = QueueTask(key, 8, T0.AddSeconds(2), queue);
        var workflowTask = QueueTask(key, 2, T0, queue, QueueTaskType.Workflow);
        var otherQueue = QueueTask(key, 9, T0, queue + "-other");
        await Store.CommitAsync(new CommitBatch([Create(key) with { AddedQueueTasks = [newer, otherQueue, older, workflowTask] }]), None);

        var claimed = await Store.ClaimQueueTasksAsync(older.Queue, 10, T0, T0.AddSeconds(30), None);
        var again = await Store.ClaimQueueTasksAsync(older.Queue, 10, T0.AddSeconds(29), T0.AddSeconds(60), None);
        await Store.CommitAsync(new CommitBatch([Advance(key, 1, 4) with { RemovedQueueTasks = [older.Key, older.Key] }]), None);
        var afterLease = await Store.ClaimQueueTasksAsync(older.Queue, 10, T0.AddSeconds(31), T0.AddSeconds(90), None);

        claimed.Should().Equal(older, newer);
        again.Should().BeEmpty();
        afterLease.Should().Equal(newer);
    }

    [Fact]
    public async Task ClaimQueueTasksAsync_ConcurrentClaimers_GetEachTaskExactlyOnce()
    {
        var queue = $"q-{Guid.NewGuid():N}";
        var runs = Enumerable.Range(0, 20).Select(_ => NewRun()).ToList();
        var tasks = runs.SelectMany((run, r) => Enumerable.Range(0, 10).Select(i => QueueTask(run, 10 + i, T0.AddMilliseconds((r * 10) + i), queue))).ToList();
        await Store.CommitAsync(new CommitBatch([.. runs.Select(run => Create(run) with { AddedQueueTasks = [.. tasks.Where(t => t.Key.Run == run)] })]), None);

        var claimers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var mine = new List<QueueTask>();
            while (await Store.ClaimQueueTasksAsync(tasks[0].Queue, 3, T0, T0.AddMinutes(1), None) is { Count: > 0 } batch)
            {
                mine.AddRange(batch);
            }
            return mine;
        }));
        var claimed = (await Task.WhenAll(claimers)).SelectMany(c => c).ToList();

        claimed.Should().HaveCount(200).And.OnlyHaveUniqueItems().And.BeEquivalentTo(tasks);
    }

    [Fact]
    public async Task ClaimTransfersAsync_PendingTransfers_ClaimedUnderLeaseAndDeletedWithTheCommitThatCompletesThem()
    {
        var key = NewRun();
        var start = new TransferTask(new TransferTaskKey(key, TransferKind.StartChild, 10), T0);
        var signal = new TransferTask(new TransferTaskKey(key, TransferKind.SignalExternal, 12), T0.AddSeconds(1));
        await Store.CommitAsync(new CommitBatch([Create(key) with { AddedTransfers = [start, signal] }]), None);

        var claimed = (await Store.ClaimTransfersAsync(1000, T0, T0.AddSeconds(30), None)).Where(t => t.Key.Source == key);
        var duringLease = (await Store.ClaimTransfersAsync(1000, T0.AddSeconds(10), T0.AddSeconds(40), None)).Where(t => t.Key.Source == key);
        await Store.CommitAsync(new CommitBatch([]) { CompletedTransfers = [start.Key] }, None);
        var afterLease = (await Store.ClaimTransfersAsync(1000, T0.AddSeconds(31), T0.AddSeconds(60), None)).Where(t => t.Key.Source == key);

        claimed.Should().Equal(start, signal);
        duringLease.Should().BeEmpty();
        afterLease.Should().Equal(signal);
    }

    [Fact]
    public async Task SaveNamespaceAsync_CreateAndReplace_GuardedByRevision()
    {
        var name = $"ns-{Guid.NewGuid():N}";
        var record = new NamespaceRecord(name, Guid.NewGuid().ToString(), "test", TimeSpan.FromDays(3),
            new Dictionary<string, IndexedValueType> { ["CustomerId"] = IndexedValueType.Keyword }, T0);

        (await Store.SaveNamespaceAsync(record, 0, None)).Should().BeTrue();
        (await Store.SaveNamespaceAsync(record, 0, None)).Should().BeFalse("the name exists");
        (await Store.SaveNamespaceAsync(record with { Description = "changed" }, 2, None)).Should().BeFalse("the revision is 1");
        (await Store.SaveNamespaceAsync(record with { Description = "changed" }, 1, None)).Should().BeTrue();

        var loaded = (await Store.LoadNamespacesAsync(None)).Single(n => n.Name == name);
        loaded.Should().BeEquivalentTo(record with { Description = "changed", Revision = 2 });
    }

    [Fact]
    public async Task ListExecutionsAsync_FilterAndPageSize_PagesNewestFirstThroughTheMatchingRuns()
    {
        var runs = Enumerable.Range(0, 5).Select(i => (Key: NewRun("list"), Start: T0.AddMinutes(i))).ToList();
        await Store.CommitAsync(new CommitBatch([.. runs.Select(r => Create(r.Key, start: r.Start))]), None);
        var mine = string.Join(", ", runs.Select(r => $"'{r.Key.RunId}'"));
        var query = VisibilityQuery.ForList($"RunId IN ({mine}) AND StartTime != '{T0.AddMinutes(2).UtcDateTime:O}'", SearchAttributeSchema.Empty);

        var pages = new List<VisibilityPage>();
        byte[]? token = null;
        do
        {
            var page = await Store.ListExecutionsAsync("default", query, 2, token, None);
            pages.Add(page);
            token = page.NextPageToken;
        }
        while (token is not null);

        pages.SelectMany(p => p.Records).Select(r => r.Key).Should().Equal(runs[4].Key, runs[3].Key, runs[1].Key, runs[0].Key);
        pages.Should().HaveCount(3, "a full page gets a token, so the last full page is followed by an empty one");
        (await Store.CountExecutionsAsync("default", VisibilityQuery.ForCount($"RunId IN ({mine}) AND StartTime != '{T0.AddMinutes(2).UtcDateTime:O}'", SearchAttributeSchema.Empty), None))
            .Count.Should().Be(4);
        (await Store.ListExecutionsAsync("other-namespace", query, 10, null, None)).Records.Should().BeEmpty();
    }
}
