using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Persistence;
using EasyParkPlus.TemporalServer.Persistence.InMemory;
using EasyParkPlus.TemporalServer.Timers;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;

namespace EasyParkPlus.TemporalServer.Tests.History;

/// <summary>
/// What the in-process parts (transfers, long polls, timers) see while a commit is handed to them. Each observer
/// here runs inside the engine's publish, as the transfer processor and the timer processor do.
/// </summary>
public sealed class HistoryEngineCommitTests : IDisposable
{
    private readonly ServerClock _clock = new(TimeProvider.System, timeSkipping: true, e => throw e);
    private readonly CommitFeed _feed = new();
    private readonly HistoryEngine _engine;

    public HistoryEngineCommitTests() => _engine = new HistoryEngine(new InMemoryServerStore(), _clock, _feed);

    public void Dispose() => _clock.Dispose();

    private sealed class Observer(Action<CommittedRun> onCommitted) : ICommitObserver
    {
        public void OnCommitted(CommittedRun run) => onCommitted(run);
    }

    private async Task<RunKey> StartRunAsync()
    {
        var key = new RunKey("default", $"wf-{Guid.NewGuid():N}", Guid.NewGuid().ToString());
        var attributes = new WorkflowExecutionStartedEventAttributes { WorkflowType = new() { Name = "W" }, TaskQueue = new TaskQueue { Name = "q" } };
        await _engine.CreateAsync(RunStarts.Create(key, attributes, Guid.NewGuid().ToString(), _clock.UtcNow, TimeSpan.Zero), new CurrentRunGuard(null), CancellationToken.None);
        return key;
    }

    private static Task<int> SignalAsync(HistoryEngine engine, RunKey key) => engine.UpdateAsync(key, tx =>
    {
        ExecutionRequests.Signal(tx, "poke", null, null, "test", Guid.NewGuid().ToString());
        return 0;
    }, CancellationToken.None);

    // Workflow tasks take the events since the worker's last task from what this process committed, not the store;
    // only a dense run of events this engine committed itself may be served so.
    [Fact]
    public async Task RecentEvents_AnotherEngineCommittedBetween_ServesOnlyItsOwnDenseEvents()
    {
        var key = await StartRunAsync();
        await SignalAsync(_engine, key);
        var stored = await _engine.Store.ReadHistoryAsync(key, 1, 4, 10, reverse: false, CancellationToken.None);
        _engine.RecentEvents(key, 1, 4).Should().Equal(stored, "events 1-3 were committed here");
        _engine.RecentEvents(key, 2, 2).Should().BeEmpty();
        _engine.RecentEvents(key, 1, 5).Should().BeNull("event 4 does not exist yet");

        // Another server process on the same store appends event 4; this one, stale, retries and appends event 5.
        var other = new HistoryEngine(_engine.Store, _clock, new CommitFeed()) { SharedStore = true };
        _engine.SharedStore = true;
        await SignalAsync(other, key);
        await SignalAsync(_engine, key);

        _engine.RecentEvents(key, 4, 6).Should().BeNull("event 4 was committed elsewhere");
        var five = _engine.RecentEvents(key, 5, 6);
        five.Should().ContainSingle().Which.Should().Be((await _engine.Store.ReadHistoryAsync(key, 5, 6, 10, reverse: false, CancellationToken.None)).Single());
    }

    // A transfer task is queued during the publish and read the run from the cache; with the state from before its
    // commit it found no pending request and dropped the task (a child cancel never delivered, a parent never told).
    [Fact]
    public async Task UpdateAsync_ObserverReadsTheRunDuringPublish_SeesTheCommittedState()
    {
        var key = await StartRunAsync();
        await _engine.UpdateAsync(key, tx => tx.State.Version, CancellationToken.None);
        var seen = new List<(long Committed, long? Read)>();
        _feed.Subscribe(new Observer(run =>
        {
            var read = _engine.GetAsync(run.Commit.Key, CancellationToken.None);
            read.IsCompleted.Should().BeTrue("a cached in-memory read completes at once");
            seen.Add((run.Commit.State.Version, read.Result?.Version));
        }));

        await _engine.UpdateAsync(key, tx =>
        {
            ExecutionRequests.Signal(tx, "poke", null, null, "test", Guid.NewGuid().ToString());
            return 0;
        }, CancellationToken.None);

        seen.Should().ContainSingle();
        seen[0].Read.Should().Be(seen[0].Committed);
    }

    // A workflow task that completes with a new timer releases its time-skipping hold; released before the timer is
    // armed, the unlocked clock jumped to whatever else was queued (a client's sleep) and the timer fired late.
    [Fact]
    public async Task UpdateAsync_CommitReleasesAHold_HeldUntilObserversHaveSeenIt()
    {
        var key = await StartRunAsync();
        var heldAtStart = _clock.LockCount;
        var locksDuringPublish = new List<int>();
        _feed.Subscribe(new Observer(_ => locksDuringPublish.Add(_clock.LockCount)));

        await _engine.UpdateAsync(key, tx =>
        {
            // The first workflow task goes away (as when it completes): its hold is released by this commit.
            tx.State.WorkflowTask = null;
            tx.HasChanges = true;
            return 0;
        }, CancellationToken.None);

        heldAtStart.Should().Be(1, "the run's scheduled workflow task holds time skipping");
        locksDuringPublish.Should().Equal(1);
        _clock.LockCount.Should().Be(0);
    }
}
