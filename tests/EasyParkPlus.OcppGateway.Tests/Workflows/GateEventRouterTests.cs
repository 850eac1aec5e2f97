using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.OcppGateway.Workflows;
using EasyParkPlus.Workflows.Parking;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Converters;

namespace EasyParkPlus.OcppGateway.Tests.Workflows;

// An entry or exit at a gate, delivered (even twice) to the gateway's production sink.
public sealed class GateEventRouterTests(RoutingFixture routing) : IClassFixture<RoutingFixture>
{
    private static readonly DateTimeOffset Morning = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    private Task RouteAsync(GateVehicleDetected detected) => routing.DeliverAsync(sink => sink.GateVehicleDetectedAsync(detected, CancellationToken.None));

    private ITemporalClient Client => routing.Client;

    private async Task<List<HistoryEvent>> HistoryAsync(string workflowId) => [.. (await Client.GetWorkflowHandle(workflowId).FetchHistoryAsync()).Events];

    private static string Text(Payload payload) => payload.Data.ToStringUtf8();

    [Fact]
    public async Task An_entry_starts_one_parking_session_even_when_delivered_twice_and_the_exit_signals_it_once()
    {
        var entry = new GateVehicleDetected("evt-entry-1", "BOS-GATE-IN-01", "BOS", GateEventDirection.Entry, "ab 123-cd", Morning, "photo-1");
        await RouteAsync(entry);
        await RouteAsync(entry);

        var workflowId = ParkingWorkflowIds.ForSession(GateEventRouter.SessionIdFor("BOS-GATE-IN-01", "evt-entry-1"));
        var runs = await ListAsync($"WorkflowType = '{nameof(ParkingSession)}' AND WorkflowId = '{workflowId}'");
        var run = Assert.Single(runs);
        Assert.Equal(WorkflowExecutionStatus.Running, run.Status);
        var started = (await HistoryAsync(workflowId))[0].WorkflowExecutionStartedEventAttributes;
        var input = Text(Assert.Single(started.Input.Payloads_));
        Assert.Contains(GateEventRouter.SessionIdFor("BOS-GATE-IN-01", "evt-entry-1").ToString(), input, StringComparison.Ordinal);
        Assert.Contains("\"AB123CD\"", input, StringComparison.Ordinal);
        Assert.Contains("2026-12-07T08:00:00", input, StringComparison.Ordinal);

        // The stay's row, which its workflow writes when it takes a space, is how the exit finds it.
        await routing.StayTookItsSpaceAsync(workflowId, GateEventRouter.SessionIdFor("BOS-GATE-IN-01", "evt-entry-1"), "BOS", "AB123CD", Morning);
        var exit = new GateVehicleDetected("evt-exit-1", "BOS-GATE-OUT-01", "BOS", GateEventDirection.Exit, "AB123CD", Morning.AddHours(2), null);
        await RouteAsync(exit);
        await RouteAsync(exit);
        var signals = (await HistoryAsync(workflowId)).Select(e => e.WorkflowExecutionSignaledEventAttributes).OfType<WorkflowExecutionSignaledEventAttributes>().ToList();
        var signal = Assert.Single(signals);
        Assert.Equal("VehicleExited", signal.SignalName);
        Assert.Contains("2026-12-07T10:00:00", Text(Assert.Single(signal.Input.Payloads_)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_exit_without_a_running_session_throws_so_the_event_stays_pending()
    {
        var exit = new GateVehicleDetected("evt-exit-orphan", "BOS-GATE-OUT-01", "BOS", GateEventDirection.Exit, "ZZ999", Morning, null);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RouteAsync(exit));
        Assert.Contains("ZZ999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreadable_plate_starts_nothing()
    {
        await RouteAsync(new GateVehicleDetected("evt-unreadable", "BOS-GATE-IN-01", "BOS", GateEventDirection.Entry, "--", Morning, null));
        var workflowId = ParkingWorkflowIds.ForSession(GateEventRouter.SessionIdFor("BOS-GATE-IN-01", "evt-unreadable"));
        Assert.Empty(await ListAsync($"WorkflowId = '{workflowId}'"));
    }

    // Issue 16, point 3: event ids are a controller's own sequence, so two gates can send the same one.
    [Fact]
    public async Task RouteAsync_SameEventIdFromGatesOfTwoFacilities_StartsTwoSessions()
    {
        await RouteAsync(new GateVehicleDetected("000777", "BOS-GATE-IN-01", "BOS", GateEventDirection.Entry, "BOS777", Morning, null));
        await RouteAsync(new GateVehicleDetected("000777", "PHL-GATE-IN-01", "PHL", GateEventDirection.Entry, "PHL777", Morning, null));

        var boston = ParkingWorkflowIds.ForSession(GateEventRouter.SessionIdFor("BOS-GATE-IN-01", "000777"));
        var philadelphia = ParkingWorkflowIds.ForSession(GateEventRouter.SessionIdFor("PHL-GATE-IN-01", "000777"));
        philadelphia.Should().NotBe(boston);
        foreach (var (workflowId, plate) in new[] { (boston, "BOS777"), (philadelphia, "PHL777") })
        {
            var started = (await HistoryAsync(workflowId))[0].WorkflowExecutionStartedEventAttributes;
            started.Should().NotBeNull();
            Text(started.Input.Payloads_.Single()).Should().Contain($"\"{plate}\"");
        }
    }

    // Issue 16, point 1: a gate clock the gateway did not trust times the stay from the event's arrival.
    [Fact]
    public async Task RouteAsync_EntryWithAStaleClock_StartsTheSessionAtItsArrivalAndCarriesTheFlag()
    {
        var deviceTime = new DateTimeOffset(2016, 3, 1, 8, 0, 0, TimeSpan.Zero);
        await RouteAsync(new GateVehicleDetected("evt-stale-1", "BOS-GATE-IN-01", "BOS", GateEventDirection.Entry, "OLD2016", deviceTime, null)
        {
            ReceivedAt = Morning,
            ClockFlag = DeviceClockFlag.Stale,
        });

        var workflowId = ParkingWorkflowIds.ForSession(GateEventRouter.SessionIdFor("BOS-GATE-IN-01", "evt-stale-1"));
        var started = (await HistoryAsync(workflowId))[0].WorkflowExecutionStartedEventAttributes;
        var input = await DataConverter.Default.ToValueAsync<ParkingSessionInput>(started.Input.Payloads_.Single());
        input.EntryAt.Should().Be(Morning);
        input.EntryReceivedAt.Should().Be(Morning);
        input.EntryClock.Should().Be(new DeviceClockFlag(deviceTime, Morning, DeviceClockFlag.Stale));
    }

    private async Task<List<Temporalio.Client.WorkflowExecution>> ListAsync(string query)
    {
        var runs = new List<Temporalio.Client.WorkflowExecution>();
        await foreach (var run in Client.ListWorkflowsAsync(query))
        {
            runs.Add(run);
        }
        return runs;
    }
}
