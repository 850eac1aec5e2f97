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

        idle.Total.Should().Be(TimeSpan.FromMinutes(12));
        idle.Periods.Should().ContainSingle().Which.Should().Be(new IdlePeriod(T0.AddMinutes(60), T0.AddMinutes(72)));
    }

    [Fact]
    public void Measure_EvConnectedBeforeCharging_IsNotIdle()
    {
        var changes = new[] { At(0, ChargingState.EVConnected), At(10, ChargingState.Charging), At(30, ChargingState.Idle) };

        IdleClock.Measure(changes, T0.AddMinutes(30)).Total.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void Measure_EvConnectedAfterCharging_IsIdle()
    {
        var changes = new[] { At(0, ChargingState.EVConnected), At(1, ChargingState.Charging), At(41, ChargingState.EVConnected) };

        IdleClock.Measure(changes, T0.AddMinutes(50)).Total.Should().Be(TimeSpan.FromMinutes(9));
    }

    [Fact]
    public void Measure_SuspendedEvse_IsNeverIdle()
    {
        var changes = new[] { At(0, ChargingState.Charging), At(10, ChargingState.SuspendedEVSE), At(50, ChargingState.Charging), At(55, ChargingState.SuspendedEVSE) };

        IdleClock.Measure(changes, T0.AddMinutes(90)).Total.Should().Be(TimeSpan.Zero);
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

        idle.Periods.Count.Should().Be(2);
        idle.Total.Should().Be(TimeSpan.FromMinutes(8));
        idle.IsIdleAtEnd.Should().BeFalse();
        // One grace per session on the summed idle time: 8 − 5 = 3 billed minutes, not 0 + 0.
        ChargingPricing.BillableIdleMinutes(idle.Total, ChargingTariff.Default.IdleGrace).Should().Be(3);
    }

    [Fact]
    public void Measure_SuspendedEvToEvConnected_IsOneContinuousPeriod()
    {
        var changes = new[] { At(0, ChargingState.Charging), At(20, ChargingState.SuspendedEV), At(25, ChargingState.EVConnected) };

        var idle = IdleClock.Measure(changes, T0.AddMinutes(40));

        idle.Periods.Should().ContainSingle().Which.Should().Be(new IdlePeriod(T0.AddMinutes(20), T0.AddMinutes(40)));
    }

    [Fact]
    public void Measure_IdleStateMeansUnplugged_EndsTheIdlePeriod()
    {
        var changes = new[] { At(0, ChargingState.Charging), At(20, ChargingState.SuspendedEV), At(27, ChargingState.Idle) };

        IdleClock.Measure(changes, T0.AddMinutes(90)).Total.Should().Be(TimeSpan.FromMinutes(7));
    }

    [Fact]
    public void Measure_ChangesArrivingOutOfOrder_AreOrderedByDeviceTime()
    {
        var changes = new[] { At(60, ChargingState.SuspendedEV), At(0, ChargingState.Charging), At(70, ChargingState.Charging), At(65, ChargingState.EVConnected) };

        IdleClock.Measure(changes, T0.AddMinutes(80)).Total.Should().Be(TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void Measure_LiveBeforeUnplug_ReportsTheOpenPeriodUpToNow()
    {
        var changes = new[] { At(0, ChargingState.Charging), At(30, ChargingState.SuspendedEV), At(90, ChargingState.Idle) };

        var idle = IdleClock.Measure(changes, T0.AddMinutes(33));

        idle.IsIdleAtEnd.Should().BeTrue();
        idle.Total.Should().Be(TimeSpan.FromMinutes(3));
    }

    [Fact]
    public void Measure_NoChanges_IsNotIdle()
    {
        var idle = IdleClock.Measure([], T0);

        idle.Periods.Should().BeEmpty();
        idle.IsIdleAtEnd.Should().BeFalse();
    }
}
