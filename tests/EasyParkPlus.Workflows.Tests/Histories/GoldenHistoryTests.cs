using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Charging;
using EasyParkPlus.Domain.Subscriptions;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Charging;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;
using EasyParkPlus.Workflows.Subscriptions;
using EasyParkPlus.Workflows.Tests.Charging;
using EasyParkPlus.Workflows.Tests.Parking;
using EasyParkPlus.Workflows.Tests.Infrastructure;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace EasyParkPlus.Workflows.Tests.Histories;

/// <summary>
/// Histories recorded from our server (Histories/*.json, Temporal's JSON history format) for the four business workflows
/// must replay with the SDK's <see cref="WorkflowReplayer"/> against the current code: a change that would break running
/// workflows fails here before it is deployed. Set EASYPARK_RECORD_HISTORIES=1 to record them again after an
/// intentional change that is versioned with Workflow.Patched.
/// </summary>
[Collection(TimeSkippingCollection.Name)]
public sealed class GoldenHistoryTests(TimeSkippingServer server)
{
    private static readonly string Folder = SourceFolder();

    private static WorkflowReplayer Replayer => new(new WorkflowReplayerOptions()
        .AddWorkflow<ParkingSession>().AddWorkflow<Reservation>().AddWorkflow<ChargingSession>().AddWorkflow<SubscriptionRenewal>());

    private static IEnumerable<string> Files => Directory.GetFiles(Folder, "*.json").Select(Path.GetFileName).OfType<string>().Order();

    public static TheoryData<string> Recorded => [.. Files];

    private static async Task<WorkflowHistory> LoadAsync(string file) =>
        WorkflowHistory.FromJson(Path.GetFileNameWithoutExtension(file), await File.ReadAllTextAsync(Path.Combine(Folder, file)));

    [Theory]
    [MemberData(nameof(Recorded))]
    public async Task Replay_RecordedHistory_MatchesCurrentCode(string file)
    {
        var history = await LoadAsync(file);

        var result = await Replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);

        result.ReplayFailure.Should().BeNull();
        history.Events.Should().Contain(e => e.WorkflowExecutionCompletedEventAttributes != null);
    }

    [Fact]
    public void Recorded_CoversEveryBusinessWorkflow()
    {
        var types = Files.Select(file => File.ReadAllText(Path.Combine(Folder, file))).ToList();

        Assert.All(new[] { nameof(ParkingSession), nameof(Reservation), nameof(ChargingSession), nameof(SubscriptionRenewal) },
            type => Assert.Contains(types, json => json.Contains($"\"{type}\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Replay_DeliberatelyChangedWorkflow_FailsWithANondeterminismError()
    {
        var history = await LoadAsync("parking-saved-card-3h10m.json");
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<ChangedParkingSession>());

        var result = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);

        result.ReplayFailure.Should().BeOfType<WorkflowNondeterminismException>();
    }

    [Fact]
    public async Task Record_CurrentScenarios_ReplayCleanly()
    {
        var recorded = new List<(string Name, WorkflowHandle Handle)>();
        recorded.AddRange(await ParkingScenariosAsync());
        recorded.AddRange(await ChargingAndSubscriptionScenariosAsync());

        foreach (var (name, handle) in recorded)
        {
            var history = await handle.FetchHistoryAsync();
            var result = await Replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);
            result.ReplayFailure.Should().BeNull($"{name} must replay");
            if (Environment.GetEnvironmentVariable("EASYPARK_RECORD_HISTORIES") == "1")
            {
                var source = Path.Combine(Folder, $"{name}.json");
                await File.WriteAllTextAsync(source, history.ToJson());
            }
        }
    }

    // The Histories folder of this project's sources (the build output may live anywhere).
    private static string SourceFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EasyParkPlus.sln")))
        {
            directory = directory.Parent;
        }
        return Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("EasyParkPlus.sln not found above the test output"),
            "tests", "EasyParkPlus.Workflows.Tests", "Histories");
    }

    // ParkingSession as a careless edit would leave it: the same type name, but a pause before entry validation. A
    // session recorded by the real workflow cannot be continued by it.
    [Workflow("ParkingSession")]
    public sealed class ChangedParkingSession
    {
        [WorkflowRun]
        public async Task<ParkingSessionResult> RunAsync(ParkingSessionInput input)
        {
            await Workflow.DelayAsync(TimeSpan.FromSeconds(1));
            return ParkingSessionResult.Deny("changed", input.EntryAt);
        }
    }

    private async Task<List<(string, WorkflowHandle)>> ParkingScenariosAsync()
    {
        var parkingWorld = new FakeParkingWorld();
        var chargingWorld = new FakeChargingWorld();
        var customer = Guid.NewGuid();
        parkingWorld.CustomersWithCard.Add(customer);
        await using var env = WorkflowTestEnvironment.Start(server, w => w
            .AddAllActivities<IParkingActivities>(parkingWorld)
            .AddAllActivities<IBillingActivities>(parkingWorld)
            .AddAllActivities<IReservationActivities>(parkingWorld)
            .AddAllActivities<IChargingActivities>(chargingWorld));

        var entry = env.Time.GetUtcNow();
        var parkingInput = new ParkingSessionInput(Guid.Parse("00000000-0000-0000-0000-000000000001"), "BOS", "ABC123", SpaceType.Regular, entry, "BOS-G1", CustomerId: customer);
        var parking = await env.Client.StartWorkflowAsync((ParkingSession wf) => wf.RunAsync(parkingInput),
            new WorkflowOptions(ParkingWorkflowIds.ForSession(parkingInput.SessionId), env.TaskQueue));
        await env.SkipTimeAsync(new TimeSpan(3, 10, 0));
        await parking.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(entry + new TimeSpan(3, 10, 0), "BOS-G2")));
        Assert.Equal(1400, (await parking.GetResultAsync()).TotalCents);

        var reservationInput = new ReservationInput(Guid.Parse("00000000-0000-0000-0000-000000000002"), customer, "BOS", SpaceType.Regular,
            env.Time.GetUtcNow().AddHours(1), env.Time.GetUtcNow().AddHours(3));
        var reservation = await env.Client.StartWorkflowAsync((Reservation wf) => wf.RunAsync(reservationInput),
            new WorkflowOptions(ReservationWorkflowIds.ForReservation(reservationInput.ReservationId), env.TaskQueue));
        Assert.Equal(ReservationOutcome.NoShow, (await reservation.GetResultAsync()).Outcome);

        // An entry the gate buffered offline (device time before the deadline) delivered after the space went back.
        var lateInput = new ReservationInput(Guid.Parse("00000000-0000-0000-0000-000000000006"), customer, "BOS", SpaceType.Regular,
            env.Time.GetUtcNow().AddHours(1), env.Time.GetUtcNow().AddHours(3), "LATE26")
        {
            LateEntryWindow = TimeSpan.FromHours(72),
        };
        var late = await env.Client.StartWorkflowAsync((Reservation wf) => wf.RunAsync(lateInput),
            new WorkflowOptions(ReservationWorkflowIds.ForReservation(lateInput.ReservationId), env.TaskQueue));
        await env.SkipTimeAsync(new TimeSpan(1, 16, 0));
        await late.SignalAsync(wf => wf.VehicleArrivedAsync(new ReservationArrival(
            Guid.Parse("00000000-0000-0000-0000-000000000007"), "LATE26", lateInput.SlotStart.AddMinutes(10), "BOS-G1")));
        Assert.Equal(ReservationOutcome.Fulfilled, (await late.GetResultAsync()).Outcome);

        // An EV stay that charges through a child ChargingSession and leaves after the charge has billed.
        var evEntry = env.Time.GetUtcNow();
        var evInput = new ParkingSessionInput(Guid.Parse("00000000-0000-0000-0000-000000000003"), "BOS", "EV4242", SpaceType.Ev, evEntry, "BOS-G1", CustomerId: customer);
        var ev = await env.Client.StartWorkflowAsync((ParkingSession wf) => wf.RunAsync(evInput),
            new WorkflowOptions(ParkingWorkflowIds.ForSession(evInput.SessionId), env.TaskQueue));
        await ev.SignalAsync(wf => wf.ChargingRequestedAsync(new ChargingRequest("BOS-CH-01", 1)));
        var chargeId = (await ev.QueryAsync(wf => wf.Status)).ChargingSessionId!.Value;
        var charge = env.Client.GetWorkflowHandle<ChargingSession>(ChargingWorkflowIds.ForSession(chargeId));
        await charge.SignalAsync(wf => wf.TransactionStartedAsync(new("TX-G1", 0, evEntry.AddMinutes(1), ChargingState.Charging, 0)));
        await env.SkipTimeAsync(TimeSpan.FromMinutes(25));
        await charge.SignalAsync(wf => wf.TransactionEndedAsync(new("TX-G1", 1, evEntry.AddMinutes(26), 15_000, "EVDisconnected")));
        await env.SkipTimeAsync(TimeSpan.FromMinutes(60));
        await ev.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(evEntry.AddMinutes(86), "BOS-G2")));
        var stay = await ev.GetResultAsync();
        Assert.Equal((800L, 725L), (stay.TotalCents, stay.Charging!.TotalCents));

        return [("parking-saved-card-3h10m", parking), ("reservation-no-show", reservation), ("reservation-late-entry", late), ("parking-ev-with-charge", ev)];
    }

    private async Task<List<(string, WorkflowHandle)>> ChargingAndSubscriptionScenariosAsync()
    {
        var world = new FakeChargingWorld();
        await using var env = ChargingSessionWorkflowTests.CreateEnvironment(server, world);

        // From the app: 20 kWh, then 12 idle minutes after the 5-minute grace: $2 + $7.00 + $3.50.
        var t0 = env.Time.GetUtcNow();
        var chargeInput = new ChargingSessionInput(Guid.Parse("00000000-0000-0000-0000-000000000004"), "BOS", "BOS-CH-01", 1, Guid.NewGuid(), "TOKEN-1");
        var charge = await env.Client.StartWorkflowAsync((ChargingSession wf) => wf.RunAsync(chargeInput),
            new WorkflowOptions(ChargingWorkflowIds.ForSession(chargeInput.SessionId), env.TaskQueue));
        await charge.SignalAsync(wf => wf.TransactionStartedAsync(new("TX-G2", 0, t0.AddMinutes(1), ChargingState.Charging, 0)));
        await env.SkipTimeAsync(TimeSpan.FromMinutes(20));
        await charge.SignalAsync(wf => wf.TransactionUpdatedAsync(new("TX-G2", 1, t0.AddMinutes(21), ChargingState.SuspendedEVSE, 9_000)));
        await env.SkipTimeAsync(TimeSpan.FromMinutes(20));
        await charge.SignalAsync(wf => wf.TransactionUpdatedAsync(new("TX-G2", 2, t0.AddMinutes(41), ChargingState.EVConnected, 20_000)));
        await env.SkipTimeAsync(TimeSpan.FromMinutes(12));
        await charge.SignalAsync(wf => wf.TransactionEndedAsync(new("TX-G2", 3, t0.AddMinutes(53), 20_000, "EVDisconnected")));
        Assert.Equal(1250, (await charge.GetResultAsync()).CapturedCents);

        // A monthly pass paid for its first period, then cancelled: it ends at the period end without another charge.
        var subscriptionInput = new SubscriptionInput(Guid.Parse("00000000-0000-0000-0000-000000000005"), Guid.NewGuid(), SubscriptionPlans.BostonMonthly, env.Time.GetUtcNow());
        var subscription = await env.Client.StartWorkflowAsync((SubscriptionRenewal wf) => wf.RunAsync(subscriptionInput),
            new WorkflowOptions(SubscriptionWorkflowIds.ForSubscription(subscriptionInput.SubscriptionId), env.TaskQueue));
        await env.SkipTimeAsync(TimeSpan.FromDays(10));
        await subscription.SignalAsync(wf => wf.CancelAsync(new CancelSubscription("moving")));
        Assert.Equal(SubscriptionStatus.Cancelled, (await subscription.GetResultAsync()).Status);

        return [("charging-app-20kwh-12-idle", charge), ("subscription-cancelled-at-period-end", subscription)];
    }
}
