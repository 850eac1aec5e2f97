using EasyParkPlus.TemporalServer.Timers;

namespace EasyParkPlus.TemporalServer.Tests.Timers;

/// <summary>The virtual clock: skips to the next timer when nothing holds it, runs with real time while held.</summary>
public sealed class ServerClockTests
{
    [Fact]
    public async Task Schedule_Unlocked_JumpsToTheTimerAtOnce()
    {
        using var clock = new ServerClock(TimeProvider.System, timeSkipping: true, e => throw e);
        var start = clock.UtcNow;
        var fired = new TaskCompletionSource<DateTimeOffset>();

        clock.Schedule(start + TimeSpan.FromDays(30), () =>
        {
            fired.SetResult(clock.UtcNow);
            return ValueTask.CompletedTask;
        });

        var at = await fired.Task.WaitAsync(TimeSpan.FromSeconds(5));
        (at - start).Should().BeGreaterThanOrEqualTo(TimeSpan.FromDays(30)).And.BeLessThan(TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Schedule_Locked_WaitsForTheUnlock()
    {
        using var clock = new ServerClock(TimeProvider.System, timeSkipping: true, e => throw e);
        clock.Lock();
        var fired = new TaskCompletionSource();
        clock.Schedule(clock.UtcNow + TimeSpan.FromHours(1), () =>
        {
            fired.SetResult();
            return ValueTask.CompletedTask;
        });

        // Held: an hour of virtual time would take an hour of real time.
        (await Task.WhenAny(fired.Task, Task.Delay(300))).Should().NotBe(fired.Task);
        clock.Unlock().Should().BeTrue();
        await fired.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Unlock_NotLocked_False()
    {
        using var clock = new ServerClock(TimeProvider.System, timeSkipping: true, e => throw e);

        clock.Unlock().Should().BeFalse();
        clock.LockCount.Should().Be(0);
    }

    [Fact]
    public async Task Cancel_ScheduledTimer_NeverFiresAndTimeDoesNotJumpToIt()
    {
        using var clock = new ServerClock(TimeProvider.System, timeSkipping: true, e => throw e);
        clock.Lock();
        var start = clock.UtcNow;
        var fired = false;
        var timer = clock.Schedule(start + TimeSpan.FromDays(1), () =>
        {
            fired = true;
            return ValueTask.CompletedTask;
        });
        timer.Cancel();
        var later = new TaskCompletionSource();
        clock.Schedule(start + TimeSpan.FromHours(2), () =>
        {
            later.SetResult();
            return ValueTask.CompletedTask;
        });
        clock.Unlock();

        await later.Task.WaitAsync(TimeSpan.FromSeconds(5));
        fired.Should().BeFalse();
        (clock.UtcNow - start).Should().BeLessThan(TimeSpan.FromDays(1));
    }
}
