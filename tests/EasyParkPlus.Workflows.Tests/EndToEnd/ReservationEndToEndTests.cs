using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;
using Npgsql;
using Temporalio.Client;

namespace EasyParkPlus.Workflows.Tests.EndToEnd;

[Collection(WholeSystemCollection.Name)]
public sealed class ReservationEndToEndTests(WholeSystemServer server)
{
    private static async Task<(WorkflowHandle<Reservation, ReservationResult> Handle, ReservationInput Input)> BookAsync(
        ParkingSystem system, Guid customerId, DateTimeOffset slotStart)
    {
        var input = new ReservationInput(Guid.NewGuid(), customerId, FacilityCodes.Boston, SpaceType.Regular, slotStart, slotStart.AddHours(2), "7ABC123");
        var handle = await system.Client.StartWorkflowAsync((Reservation wf) => wf.RunAsync(input),
            new WorkflowOptions(ReservationWorkflowIds.ForReservation(input.ReservationId), system.TaskQueue));
        return (handle, input);
    }

    // Waits for the reservation row to show the prepayment, woken by a NOTIFY from a test-only trigger (no polling).
    private static async Task WaitUntilBookedAsync(ParkingSystem system, Guid reservationId)
    {
        await using var connection = new NpgsqlConnection(system.ConnectionString);
        await connection.OpenAsync();
        await using (var setup = new NpgsqlCommand("""
            CREATE OR REPLACE FUNCTION reservation.notify_booked() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.status = 'booked' AND NEW.prepaid_cents > 0 THEN
                    PERFORM pg_notify('reservation_booked', NEW.id::text);
                END IF;
                RETURN NEW;
            END $$;
            CREATE OR REPLACE TRIGGER tr_test_reservation_booked AFTER INSERT OR UPDATE ON reservation.reservations
                FOR EACH ROW EXECUTE FUNCTION reservation.notify_booked();
            LISTEN reservation_booked;
            """, connection))
        {
            await setup.ExecuteNonQueryAsync();
        }
        var booked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Notification += (_, e) =>
        {
            if (e.Payload == reservationId.ToString())
            {
                booked.TrySetResult();
            }
        };
        // The booking may have committed before LISTEN took effect.
        await using (var check = new NpgsqlCommand("SELECT count(*) FROM reservation.reservations WHERE id = $1 AND status = 'booked' AND prepaid_cents > 0", connection))
        {
            check.Parameters.Add(new NpgsqlParameter { Value = reservationId });
            if ((long)(await check.ExecuteScalarAsync())! > 0)
            {
                return;
            }
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!booked.Task.IsCompleted)
        {
            await connection.WaitAsync(timeout.Token);
        }
    }

    [Fact]
    public async Task CancelledTwoHoursAhead_RefundsThePrepaymentInFullThroughStripeAndFreesTheHold()
    {
        await using var system = await ParkingSystem.StartAsync(server, "reservation_cancel");
        var customerId = await ParkingEndToEndTests.RegisterDriverWithSavedCardAsync(system);
        var (handle, input) = await BookAsync(system, customerId, DateTimeOffset.UtcNow.AddHours(3));
        await WaitUntilBookedAsync(system, input.ReservationId);

        await handle.SignalAsync(wf => wf.CancelAsync(new ReservationCancellation("plans changed")));
        var result = await handle.GetResultAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal((ReservationOutcome.Cancelled, 600L, 600L, 100), (result.Outcome, result.PrepaidCents, result.RefundedCents, result.RefundPercent));
        var refund = Assert.Single(await system.Stripe.GetRefundsAsync());
        Assert.Equal(600, refund.Amount);
        var row = (await system.RowsAsync("SELECT status, prepaid_cents, refunded_cents FROM reservation.reservations WHERE id = $1", input.ReservationId)).Single();
        Assert.Equal(("cancelled", 600L, 600L), ((string)row[0]!, (long)row[1]!, (long)row[2]!));
        Assert.Equal("released", await system.ScalarAsync<string>("SELECT status FROM reservation.capacity_holds WHERE reservation_id = $1", input.ReservationId));
        Assert.Equal(($"{handle.Id}/cancellation-refund", "succeeded"), (
            await system.ScalarAsync<string>("SELECT idempotency_key FROM billing.refunds"), await system.ScalarAsync<string>("SELECT status FROM billing.refunds")));
    }

    [Fact]
    public async Task Arrival_StartsAParkingSessionOnTheHeldCapacityThatCreditsThePrepayment()
    {
        await using var system = await ParkingSystem.StartAsync(server, "reservation_arrive");
        var customerId = await ParkingEndToEndTests.RegisterDriverWithSavedCardAsync(system);
        var (handle, input) = await BookAsync(system, customerId, DateTimeOffset.UtcNow.AddMinutes(10));
        await WaitUntilBookedAsync(system, input.ReservationId);

        var sessionId = Guid.NewGuid();
        var arrivedAt = DateTimeOffset.UtcNow;
        await handle.SignalAsync(wf => wf.VehicleArrivedAsync(new ReservationArrival(sessionId, "7ABC123", arrivedAt, "BOS-GATE-IN-1")));
        var reservation = await handle.GetResultAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(ReservationOutcome.Fulfilled, reservation.Outcome);

        var parking = system.Client.GetWorkflowHandle<ParkingSession>(reservation.ParkingWorkflowId!);
        await parking.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(arrivedAt + new TimeSpan(3, 10, 0), "BOS-GATE-OUT-1")));
        var result = await parking.GetResultAsync<ParkingSessionResult>().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal((ParkingOutcome.Completed, 800L, 800L), (result.Outcome, result.TotalCents, result.PaidCents));
        Assert.Contains(result.Lines, l => l.Code == PriceLineCodes.ReservationCredit && l.AmountCents == -600);
        Assert.Equal([600L, 800L], (await system.Stripe.GetPaymentIntentsAsync()).Select(pi => pi.AmountReceived).Order());
        Assert.Equal("fulfilled", await system.ScalarAsync<string>("SELECT status FROM reservation.reservations WHERE id = $1", input.ReservationId));
        var session = (await system.RowsAsync("SELECT reservation_id, prepaid_credit_cents, status FROM parking.parking_sessions WHERE id = $1", sessionId)).Single();
        Assert.Equal((input.ReservationId, 600L, "completed"), ((Guid)session[0]!, (long)session[1]!, (string)session[2]!));
        Assert.Equal(0L, await system.ScalarAsync<long>("SELECT count(*) FROM parking.spaces WHERE status <> 'available'"));
    }
}
