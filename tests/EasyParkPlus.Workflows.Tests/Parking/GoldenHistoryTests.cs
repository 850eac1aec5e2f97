using EasyParkPlus.Domain;
using EasyParkPlus.Engine;
using EasyParkPlus.Engine.Testing;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;

namespace EasyParkPlus.Workflows.Tests.Parking;

/// <summary>
/// Histories recorded from earlier versions of the workflows (Histories/*.json) must replay against the current
/// code: a change that would break running sessions fails here before it is deployed. Set
/// EASYPARK_RECORD_HISTORIES=1 to re-record them after an intentional, versioned change.
/// </summary>
public sealed class GoldenHistoryTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Histories");

    public static TheoryData<string> Recorded => [.. Directory.GetFiles(Folder, "*.json").Select(Path.GetFileName).OfType<string>().Order()];

    [Theory]
    [MemberData(nameof(Recorded))]
    public async Task Replay_RecordedHistory_MatchesCurrentCode(string file)
    {
        var json = await File.ReadAllTextAsync(Path.Combine(Folder, file));

        await new WorkflowReplayer(typeof(ParkingSession), typeof(Reservation)).ReplayJsonAsync(json);

        Assert.Contains("WorkflowExecutionCompleted", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Record_CurrentScenarios_ReplayCleanly()
    {
        var world = new FakeParkingWorld();
        var customer = Guid.NewGuid();
        world.CustomersWithCard.Add(customer);
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(world);

        var sessionId = Guid.Parse("00000000-0000-0000-0000-000000000001");
        var entry = env.Time.GetUtcNow();
        var parkingInput = new ParkingSessionInput(sessionId, "BOS", "ABC123", SpaceType.Regular, entry, "BOS-G1", CustomerId: customer);
        var parking = await env.Client.StartWorkflowAsync((ParkingSession wf) => wf.RunAsync(parkingInput),
            new WorkflowOptions(ParkingWorkflowIds.ForSession(sessionId), ParkingWorkflowIds.TaskQueue));
        await env.SkipTimeAsync(new TimeSpan(3, 10, 0));
        await parking.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(entry + new TimeSpan(3, 10, 0), "BOS-G2")));
        Assert.Equal(1400, (await parking.GetResultAsync()).TotalCents);

        var reservationInput = new ReservationInput(Guid.Parse("00000000-0000-0000-0000-000000000002"), customer, "BOS", SpaceType.Regular,
            env.Time.GetUtcNow().AddHours(1), env.Time.GetUtcNow().AddHours(3));
        var reservation = await env.Client.StartWorkflowAsync((Reservation wf) => wf.RunAsync(reservationInput),
            new WorkflowOptions(ReservationWorkflowIds.ForReservation(reservationInput.ReservationId), ParkingWorkflowIds.TaskQueue));
        Assert.Equal(ReservationOutcome.NoShow, (await reservation.GetResultAsync()).Outcome);

        var replayer = new WorkflowReplayer(typeof(ParkingSession), typeof(Reservation));
        foreach (var (name, handle) in new (string, WorkflowHandle)[] { ("parking-saved-card-3h10m", parking), ("reservation-no-show", reservation) })
        {
            var json = await handle.ExportHistoryJsonAsync();
            await replayer.ReplayJsonAsync(json);
            if (Environment.GetEnvironmentVariable("EASYPARK_RECORD_HISTORIES") == "1")
            {
                var source = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "Histories", $"{name}.json");
                await File.WriteAllTextAsync(source, json);
            }
        }
    }
}
