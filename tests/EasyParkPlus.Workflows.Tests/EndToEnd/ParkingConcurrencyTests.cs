using EasyParkPlus.Data.Seeding;
using EasyParkPlus.Domain;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Parking;
using Temporalio.Client;

namespace EasyParkPlus.Workflows.Tests.EndToEnd;

[Collection(WholeSystemCollection.Name)]
public sealed class ParkingConcurrencyTests(WholeSystemServer server)
{
    private const int Vehicles = 200;
    private const int RegularSpaces = 150;

    [Fact]
    public async Task TwoHundredVehicles_EnterA150SpaceFacilityAtOnce_Get150DistinctSpacesAnd50ClearDenials()
    {
        // 182 spaces, of which 20 EV and 12 accessible: exactly 150 regular ones.
        await using var system = await ParkingSystem.StartAsync(server, "parking_rush",
            new SeedOptions { SpacesPerFacility = RegularSpaces + 32, EvSpacesPerFacility = 20, AccessibleSpacesPerFacility = 12 });
        Assert.Equal(RegularSpaces, await system.ScalarAsync<long>(
            "SELECT count(*) FROM parking.spaces WHERE facility_id = 'BOS' AND space_type = 'regular' AND status = 'available'"));

        // Every vehicle either gets its entry gate opened (parked) or its workflow completes (denied).
        var settled = 0;
        var allSettled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Settle()
        {
            if (Interlocked.Increment(ref settled) == Vehicles)
            {
                allSettled.TrySetResult();
            }
        }
        system.Gates.GateOpened += Settle;

        var entryAt = DateTimeOffset.UtcNow.AddMinutes(-30);
        var inputs = Enumerable.Range(0, Vehicles)
            .Select(i => new ParkingSessionInput(Guid.NewGuid(), FacilityCodes.Boston, $"RUSH{i:000}", SpaceType.Regular, entryAt.AddMilliseconds(i), "BOS-GATE-IN-1"))
            .ToList();
        var handles = await Task.WhenAll(inputs.Select(input => system.Client.StartWorkflowAsync((ParkingSession wf) => wf.RunAsync(input),
            new WorkflowOptions(ParkingWorkflowIds.ForSession(input.SessionId), system.TaskQueue))));
        var results = handles.Select(handle => handle.GetResultAsync().ContinueWith(task =>
        {
            if (task.Result.Outcome == ParkingOutcome.Denied)
            {
                Settle();
            }
            return task.Result;
        }, TaskScheduler.Default)).ToList();
        await allSettled.Task.WaitAsync(TimeSpan.FromMinutes(3));

        var denied = results.Where(r => r.IsCompletedSuccessfully).Select(r => r.Result).ToList();
        Assert.Equal(Vehicles - RegularSpaces, denied.Count);
        Assert.All(denied, d => Assert.Equal((ParkingOutcome.Denied, "BOS has no free regular space."), (d.Outcome, d.DenialReason)));
        Assert.Equal(RegularSpaces, system.Gates.Openings.Count);
        Assert.Equal(Vehicles - RegularSpaces, system.Gates.Messages.Count(m => m == ("BOS-GATE-IN-1", "BOS has no free regular space.")));

        var occupied = await system.RowsAsync("""
            SELECT count(*), count(DISTINCT s.id), count(DISTINCT s.parking_session_id), count(DISTINCT p.id)
            FROM parking.spaces s JOIN parking.parking_sessions p ON p.space_id = s.id AND p.id = s.parking_session_id
            WHERE s.facility_id = 'BOS' AND s.status = 'occupied'
            """);
        Assert.Equal([RegularSpaces, RegularSpaces, RegularSpaces, RegularSpaces], occupied.Single().Select(v => (long)v!));
        var parkedHandles = handles.Where((_, i) => !results[i].IsCompleted).ToList();
        var labels = new HashSet<string>();
        foreach (var handle in parkedHandles)
        {
            var status = await handle.QueryAsync(wf => wf.Status);
            Assert.Equal(ParkingStates.Parked, status.State);
            Assert.True(labels.Add(status.SpaceLabel!), $"space {status.SpaceLabel} was given twice");
        }
        Assert.Equal(RegularSpaces, labels.Count);

        // Everyone leaves within the grace period: free, and every space is available again.
        await Task.WhenAll(parkedHandles.Select(handle => handle.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(entryAt.AddMinutes(5), "BOS-GATE-OUT-1")))));
        var completed = await Task.WhenAll(results).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(RegularSpaces, completed.Count(r => r is { Outcome: ParkingOutcome.Completed, TotalCents: 0, Channel: PaymentChannel.None }));
        Assert.Equal(0L, await system.ScalarAsync<long>("SELECT count(*) FROM parking.spaces WHERE status = 'occupied'"));
    }
}
