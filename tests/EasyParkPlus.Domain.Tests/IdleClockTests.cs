using EasyParkPlus.Domain.Charging;

namespace EasyParkPlus.Domain.Tests;

public class IdleClockTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    private static ChargingStateChange At(int minutes, ChargingState state) => new(T0.AddMinutes(minutes), state);

    [Fact]
    public void Measure_SuspendedEvUntilUnplug_IsIdleFromSuspensionToUnplug()
    {
        var changes = new[] { At(0, ChargingState.EVConnected), At(1, ChargingState.Charging), At(60, ChargingState.SuspendedEV) };

        var idle = IdleClock.Measure(changes, T0.AddMinutes(72));

        Assert.Equal(TimeSpan.FromMinutes(12), idle.Total);
        Assert.Equal(new IdlePeriod(T0.AddMinutes(60), T0.AddMinutes(72)), Assert.Single(idle.Periods));
    }

    [Fact]
    public void Measure_EvConnectedBeforeCharging_IsNotIdle()
    {
        var changes = new[] { At(0, ChargingState.EVConnected), At(10, ChargingState.Charging), At(30, ChargingState.Idle) };

        Assert.Equal(TimeSpan.Zero, IdleClock.Measure(changes, T0.AddMinutes(30)).Total);
    }

    [Fact]
    public void Measure_EvConnectedAfterCharging_IsIdle()
    {
        var changes = new[] { At(0, ChargingState.EVConnected), At(1, ChargingState.Charging), At(41, ChargingState.EVConnected) };

        Assert.Equal(TimeSpan.FromMinutes(9), IdleClock.Measure(changes, T0.AddMinutes(50)).Total);
    }

    [Fact]
    public void Measure_SuspendedEvse_IsNeverIdle()
    {
        var changes = new[] { At(0, ChargingState.Charging), At(10, ChargingState.SuspendedEVSE), At(50, ChargingState.Charging), At(55, ChargingState.SuspendedEVSE) };

        Assert.Equal(TimeSpan.Zero, IdleClock.Measure(changes, T0.AddMinutes(90)).Total);
    }

    [Fact]
    public void Measure_ChargingResumes_EndsTheIdlePeriodAndPeriodsAreSummed()
    {
        var changes = new[]
        {
            At(0, ChargingState.Charging), At(10, ChargingState.SuspendedEV), At(14, ChargingState.Charging),
            At(30, ChargingState.SuspendedEV), At(34, ChargingState.SuspendedEVSE),
        };

        var idle = IdleClock.Measure(changes, T0.AddMinutes(60));

        Assert.Equal(2, idle.Periods.Count);
        Assert.Equal(TimeSpan.FromMinutes(8), idle.Total);
        Assert.False(idle.IsIdleAtEnd);
        // One grace per session on the summed idle time: 8 − 5 = 3 billed minutes, not 0 + 0.
        Assert.Equal(3, ChargingPricing.BillableIdleMinutes(idle.Total, ChargingTariff.Default.IdleGrace));
    }

    [Fact]
    public void Measure_SuspendedEvToEvConnected_IsOneContinuousPeriod()
    {
        var changes = new[] { At(0, ChargingState.Charging), At(20, ChargingState.SuspendedEV), At(25, ChargingState.EVConnected) };

        var idle = IdleClock.Measure(changes, T0.AddMinutes(40));

        Assert.Equal(new IdlePeriod(T0.AddMinutes(20), T0.AddMinutes(40)), Assert.Single(idle.Periods));
    }

    [Fact]
    public void Measure_IdleStateMeansUnplugged_EndsTheIdlePeriod()
    {
        var changes = new[] { At(0, ChargingState.Charging), At(20, ChargingState.SuspendedEV), At(27, ChargingState.Idle) };

        Assert.Equal(TimeSpan.FromMinutes(7), IdleClock.Measure(changes, T0.AddMinutes(90)).Total);
    }

    [Fact]
    public void Measure_ChangesArrivingOutOfOrder_AreOrderedByDeviceTime()
    {
        var changes = new[] { At(60, ChargingState.SuspendedEV), At(0, ChargingState.Charging), At(70, ChargingState.Charging), At(65, ChargingState.EVConnected) };

        Assert.Equal(TimeSpan.FromMinutes(10), IdleClock.Measure(changes, T0.AddMinutes(80)).Total);
    }

    [Fact]
    public void Measure_LiveBeforeUnplug_ReportsTheOpenPeriodUpToNow()
    {
        var changes = new[] { At(0, ChargingState.Charging), At(30, ChargingState.SuspendedEV), At(90, ChargingState.Idle) };

        var idle = IdleClock.Measure(changes, T0.AddMinutes(33));

        Assert.True(idle.IsIdleAtEnd);
        Assert.Equal(TimeSpan.FromMinutes(3), idle.Total);
    }

    [Fact]
    public void Measure_NoChanges_IsNotIdle()
    {
        var idle = IdleClock.Measure([], T0);

        Assert.Empty(idle.Periods);
        Assert.False(idle.IsIdleAtEnd);
    }
}
