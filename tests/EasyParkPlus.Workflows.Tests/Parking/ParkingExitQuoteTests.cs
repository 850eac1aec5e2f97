using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Tests.Infrastructure;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace EasyParkPlus.Workflows.Tests.Parking;

// Issue 12: a caller that needs an answer (the price at exit) asks through an update, answered by the workflow's own clock.
[Collection(TimeSkippingCollection.Name)]
public sealed class ParkingExitQuoteTests(TimeSkippingServer server)
{
    private static async Task<(WorkflowHandle<ParkingSession, ParkingSessionResult> Handle, DateTimeOffset EntryAt)> EnterAsync(
        WorkflowTestEnvironment env, Guid? customer)
    {
        var sessionId = Guid.NewGuid();
        var input = new ParkingSessionInput(sessionId, "BOS", "ABC123", SpaceType.Regular, env.Time.GetUtcNow(), "BOS-G1", CustomerId: customer);
        var handle = await env.Client.StartWorkflowAsync((ParkingSession wf) => wf.RunAsync(input),
            new WorkflowOptions(ParkingWorkflowIds.ForSession(sessionId), env.TaskQueue));
        await env.RunUntilIdleAsync();
        return (handle, (await handle.QueryAsync(wf => wf.Status)).EntryAt);
    }

    [Fact]
    public async Task QuoteExitAsync_ParkedThreeHoursTenMinutesAtBoston_Answers14DollarsAndTheExitCharges14()
    {
        var world = new FakeParkingWorld();
        var customer = Guid.NewGuid();
        world.CustomersWithCard.Add(customer);
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, entryAt) = await EnterAsync(env, customer);
        var stay = new TimeSpan(3, 10, 0);
        await env.SkipTimeAsync(stay);

        var quote = await handle.ExecuteUpdateAsync(wf => wf.QuoteExitAsync());

        quote.State.Should().Be(ParkingStates.Parked);
        (quote.TotalCents, quote.PaidCents, quote.DueCents).Should().Be((1400L, 0L, 1400L));
        quote.Lines.Select(l => (l.Code, l.Quantity, l.AmountCents)).Should()
            .Equal((PriceLineCodes.ParkingFirstHours, 3m, 900L), (PriceLineCodes.ParkingHours, 1m, 500L));
        quote.EntryAt.Should().Be(entryAt);
        quote.PricedTo.Should().BeCloseTo(entryAt + stay, TimeSpan.FromMinutes(1));
        // A quote moves nothing: no invoice, no charge, and the stay goes on.
        world.Calls.Select(c => c.Call).Should().NotContain(c => c == "invoice" || c == "charge");
        (await handle.QueryAsync(wf => wf.Status)).State.Should().Be(ParkingStates.Parked);

        await handle.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(entryAt + stay, "BOS-G2")));
        var result = await handle.GetResultAsync();
        (result.TotalCents, result.PaidCents).Should().Be((1400L, 1400L));
    }

    [Fact]
    public async Task QuoteExitAsync_AwaitingPaymentAfterABoothPayment_AnswersWhatIsLeft()
    {
        var world = new FakeParkingWorld();
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, entryAt) = await EnterAsync(env, customer: null);
        var stay = new TimeSpan(3, 10, 0);
        await env.SkipTimeAsync(stay);
        await handle.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(entryAt + stay, "BOS-G2")));
        await env.RunUntilIdleAsync();
        await handle.SignalAsync(wf => wf.PaymentReceivedAtBoothAsync(new BoothPayment(500, "cash-1", entryAt + stay)));
        await env.RunUntilIdleAsync();

        var quote = await handle.ExecuteUpdateAsync(wf => wf.QuoteExitAsync());

        quote.State.Should().Be(ParkingStates.AwaitingPayment);
        (quote.TotalCents, quote.PaidCents, quote.DueCents).Should().Be((1400L, 500L, 900L));
        quote.PricedTo.Should().Be(entryAt + stay, "once the car has left, the exit's time prices the stay, not the clock");

        await handle.SignalAsync(wf => wf.PaymentReceivedAtBoothAsync(new BoothPayment(900, "card-2", entryAt + stay)));
        (await handle.GetResultAsync()).PaidCents.Should().Be(1400);
    }

    [Fact]
    public async Task QuoteExitAsync_PaidStayOnItsWayOut_IsRejectedByTheValidator()
    {
        var world = new FakeParkingWorld { HeldGateId = "BOS-G2" };
        var customer = Guid.NewGuid();
        world.CustomersWithCard.Add(customer);
        await using var env = ParkingSessionWorkflowTests.CreateEnvironment(server, world);
        var (handle, entryAt) = await EnterAsync(env, customer);
        var stay = new TimeSpan(3, 10, 0);
        await env.SkipTimeAsync(stay);
        // Signalled past the environment's client, which waits for the workflow to go idle and the held gate never lets it.
        var plain = new TemporalClient(env.Client.Connection, new TemporalClientOptions { Namespace = env.Client.Options.Namespace });
        await plain.GetWorkflowHandle<ParkingSession>(handle.Id).SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(entryAt + stay, "BOS-G2")));
        try
        {
            // The card was charged and the exit gate is opening (held by the fake until the test lets it go).
            await world.GateHeld.Task.WaitAsync(TimeSpan.FromSeconds(30));
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));

            var quote = () => handle.ExecuteUpdateAsync(wf => wf.QuoteExitAsync(), new() { Rpc = new() { CancellationToken = deadline.Token } });

            var rejected = await quote.Should().ThrowAsync<WorkflowUpdateFailedException>();
            var failure = rejected.Which.InnerException.Should().BeOfType<ApplicationFailureException>().Subject;
            (failure.ErrorType, failure.Message).Should().Be((ParkingSession.ExitQuoteRejected, "The stay is already paid."));
            (await handle.QueryAsync(wf => wf.Status)).State.Should().Be(ParkingStates.Exiting);
        }
        finally
        {
            world.ReleaseGate.TrySetResult();
        }
        var result = await handle.GetResultAsync();
        (result.Outcome, result.PaidCents).Should().Be((ParkingOutcome.Completed, 1400L));
    }
}
