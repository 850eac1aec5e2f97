using EasyParkPlus.Activities.Billing;
using EasyParkPlus.Activities.Parking;
using EasyParkPlus.Activities.Payments;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Accounts;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Engine;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Parking;
using Microsoft.Extensions.DependencyInjection;

namespace EasyParkPlus.Workflows.Tests.EndToEnd;

public sealed class ParkingEndToEndTests
{
    private const string Plate = "7ABC123";

    [Fact]
    public async Task SavedCardDriver_ParksTwoHoursAtBoston_PaysAtExitAndRetriesChangeNothing()
    {
        await using var system = await ParkingSystem.StartAsync("parking_e2e");
        var customerId = await RegisterDriverWithSavedCardAsync(system);

        // Device times from the gates: entry three hours ago, exit two hours later.
        var entryAt = DateTimeOffset.UtcNow.AddHours(-3);
        var exitAt = entryAt.AddHours(2);
        var sessionId = Guid.NewGuid();
        var workflowId = ParkingWorkflowIds.ForSession(sessionId);
        var input = new ParkingSessionInput(sessionId, FacilityCodes.Boston, "7abc-123", SpaceType.Regular, entryAt, "BOS-GATE-IN-1");
        var handle = await system.Client.StartWorkflowAsync((ParkingSession wf) => wf.RunAsync(input),
            new WorkflowOptions(workflowId, ParkingWorkflowIds.TaskQueue));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        system.Gates.GateOpened += () => entered.TrySetResult();
        if (system.Gates.Openings.Count == 0)
        {
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        var parked = await handle.QueryAsync(wf => wf.Status);
        Assert.Equal((ParkingStates.Parked, Plate), (parked.State, parked.Plate.Replace("-", "", StringComparison.Ordinal).ToUpperInvariant()));
        Assert.Equal("occupied", await system.ScalarAsync<string>(
            "SELECT status FROM parking.spaces WHERE parking_session_id = $1", sessionId));

        await handle.SignalAsync(wf => wf.VehicleExitedAsync(new VehicleExit(exitAt, "BOS-GATE-OUT-1")));
        var result = await handle.GetResultAsync().WaitAsync(TimeSpan.FromSeconds(60));

        // 2 started hours of a regular space at $3/h.
        Assert.Equal((ParkingOutcome.Completed, 600L, 600L, PaymentChannel.SavedCard), (result.Outcome, result.TotalCents, result.PaidCents, result.Channel));
        Assert.Equal(["BOS-GATE-IN-1", "BOS-GATE-OUT-1"], system.Gates.Openings.Select(o => o.GateId));

        // The space is free again and the session row is closed with device times.
        var space = await system.RowsAsync("SELECT s.status, s.parking_session_id FROM parking.spaces s JOIN parking.parking_sessions p ON p.space_id = s.id WHERE p.id = $1", sessionId);
        Assert.Equal(("available", null), ((string)space.Single()[0]!, space.Single()[1]));
        var session = (await system.RowsAsync(
            "SELECT status, plate, customer_id, entry_device_at, exit_device_at, price_cents, amount_due_cents, amount_paid_cents FROM parking.parking_sessions WHERE id = $1",
            sessionId)).Single();
        Assert.Equal(("completed", Plate, customerId), ((string)session[0]!, (string)session[1]!, (Guid)session[2]!));
        Assert.Equal((entryAt.UtcTicks / 10, exitAt.UtcTicks / 10), (((DateTime)session[3]!).Ticks / 10, ((DateTime)session[4]!).Ticks / 10));
        Assert.Equal((600L, 600L, 600L), ((long)session[5]!, (long)session[6]!, (long)session[7]!));

        // Invoice with its line, payment through Stripe, receipt.
        var invoice = (await system.RowsAsync(
            "SELECT id, kind, status, total_cents, customer_id, facility_id FROM billing.invoices WHERE source_workflow_id = $1", workflowId)).Single();
        var invoiceId = (Guid)invoice[0]!;
        Assert.Equal((result.InvoiceId, "parking", "paid", 600L, customerId, "BOS"),
            ((Guid?)invoiceId, (string)invoice[1]!, (string)invoice[2]!, (long)invoice[3]!, (Guid)invoice[4]!, (string)invoice[5]!));
        var line = (await system.RowsAsync("SELECT code, quantity, unit_price_cents, amount_cents FROM billing.invoice_line_items WHERE invoice_id = $1", invoiceId)).Single();
        Assert.Equal((PriceLineCodes.ParkingFirstHours, 2m, 300L, 600L), ((string)line[0]!, (decimal)line[1]!, (long)line[2]!, (long)line[3]!));
        var payment = (await system.RowsAsync(
            "SELECT id, status, amount_cents, amount_captured_cents, idempotency_key, stripe_payment_intent_id FROM billing.payments WHERE invoice_id = $1", invoiceId)).Single();
        Assert.Equal(("succeeded", 600L, 600L, $"{workflowId}/exit-charge"), ((string)payment[1]!, (long)payment[2]!, (long)payment[3]!, (string)payment[4]!));
        var intent = Assert.Single(await system.Stripe.GetPaymentIntentsAsync());
        Assert.Equal((intent.Id, "succeeded", 600L, "automatic_async"), ((string)payment[5]!, intent.Status, intent.AmountReceived, intent.CaptureMethod));
        Assert.Equal(workflowId, intent.Metadata["workflow_id"]);
        var receipt = (await system.RowsAsync("SELECT number, payment_id, total_cents FROM billing.receipts WHERE invoice_id = $1", invoiceId)).Single();
        Assert.Equal((result.ReceiptNumber, (Guid)payment[0]!, 600L), ((long?)receipt[0], (Guid)receipt[1]!, (long)receipt[2]!));

        // Retrying any activity once more with the same inputs (what a retry after a lost completion does) changes nothing.
        var before = await SnapshotAsync(system);
        await using (var scope = system.Services.CreateAsyncScope())
        {
            var parking = scope.ServiceProvider.GetRequiredService<ParkingActivities>();
            var billing = scope.ServiceProvider.GetRequiredService<BillingActivities>();
            var validation = await parking.ValidateEntryAsync(new EntryValidationRequest(workflowId, "BOS", Plate, entryAt, null, null));
            Assert.Equal((true, customerId, true), (validation.Allowed, validation.CustomerId, validation.HasSavedCard));
            var again = await parking.AllocateSpaceAsync(new SpaceRequest(sessionId, workflowId, "BOS", Plate, SpaceType.Regular, entryAt, null, customerId, null));
            Assert.Equal(result.SpaceLabel, again.SpaceLabel);
            var reissued = await billing.IssueInvoiceAsync(new InvoiceRequest(workflowId, BillableKind.Parking, "", customerId, "BOS",
                [.. result.Lines], exitAt));
            Assert.Equal(invoiceId, reissued.InvoiceId);
            var recharged = await billing.ChargeSavedCardAsync(new SavedCardCharge(workflowId, "exit-charge", invoiceId, customerId, 600, "Parking at BOS, plate 7ABC123"));
            Assert.Equal((Guid)payment[0]!, recharged.PaymentId);
            await parking.ReleaseSpaceAsync(new SpaceRelease(sessionId, exitAt));
            var rereceipt = await billing.IssueReceiptAsync(new ReceiptRequest(invoiceId, recharged.PaymentId, DateTimeOffset.UtcNow));
            Assert.Equal(result.ReceiptNumber, rereceipt.Number);
            await parking.CloseSessionAsync(new SessionClosing(sessionId, exitAt, 600, 0, 600, 600));
        }
        Assert.Equal(before, await SnapshotAsync(system));
        Assert.Single(await system.Stripe.GetPaymentIntentsAsync());
    }

    [Fact]
    public async Task OperatorAlert_RaisedTwice_IsStoredOnce()
    {
        await using var system = await ParkingSystem.StartAsync("parking_alerts");
        await using var scope = system.Services.CreateAsyncScope();
        var parking = scope.ServiceProvider.GetRequiredService<ParkingActivities>();
        var alert = new OperatorAlertRequest("parking-x", "BOS", OperatorAlertKinds.Overstay, "Car has stayed too long", DateTimeOffset.UtcNow);

        await parking.RaiseOperatorAlertAsync(alert);
        await parking.RaiseOperatorAlertAsync(alert with { Message = "again" });

        var rows = await system.RowsAsync("SELECT kind, message FROM parking.operator_alerts WHERE workflow_id = 'parking-x'");
        Assert.Equal(("overstay", "Car has stayed too long"), ((string)rows.Single()[0]!, (string)rows.Single()[1]!));
    }

    [Fact]
    public async Task DeclinedCard_IsANonRetryableCardDeclinedFailure()
    {
        await using var system = await ParkingSystem.StartAsync("parking_decline");
        var customerId = await RegisterDriverWithSavedCardAsync(system, "pm_card_chargeCustomerFail");
        await using var scope = system.Services.CreateAsyncScope();
        var billing = scope.ServiceProvider.GetRequiredService<BillingActivities>();
        var invoice = await billing.IssueInvoiceAsync(new InvoiceRequest("parking-d", BillableKind.Parking, "", customerId, "BOS",
            [new BillingLine(PriceLineCodes.ParkingFirstHours, "Regular", 1, "h", 300, 300)], DateTimeOffset.UtcNow));

        var failure = await Assert.ThrowsAsync<ApplicationFailureException>(() =>
            billing.ChargeSavedCardAsync(new SavedCardCharge("parking-d", "exit-charge", invoice.InvoiceId, customerId, 300, "Parking")));

        Assert.Equal((BillingErrors.CardDeclined, true), (failure.ErrorType, failure.NonRetryable));
        Assert.Equal("failed", await system.ScalarAsync<string>("SELECT status FROM billing.payments WHERE idempotency_key = 'parking-d/exit-charge'"));
        Assert.Equal("open", await system.ScalarAsync<string>("SELECT status FROM billing.invoices WHERE id = $1", invoice.InvoiceId));
    }

    [Fact]
    public async Task StripeOutage_IsRetryableAndTheRetryChargesOnce()
    {
        await using var system = await ParkingSystem.StartAsync("parking_outage");
        var customerId = await RegisterDriverWithSavedCardAsync(system);
        await using var scope = system.Services.CreateAsyncScope();
        var billing = scope.ServiceProvider.GetRequiredService<BillingActivities>();
        var invoice = await billing.IssueInvoiceAsync(new InvoiceRequest("parking-o", BillableKind.Parking, "", customerId, "BOS",
            [new BillingLine(PriceLineCodes.ParkingFirstHours, "Regular", 1, "h", 300, 300)], DateTimeOffset.UtcNow));
        var charge = new SavedCardCharge("parking-o", "exit-charge", invoice.InvoiceId, customerId, 300, "Parking");
        system.Stripe.FailNext("/v1/payment_intents", 503);

        var outage = await Assert.ThrowsAsync<StripeException>(() => billing.ChargeSavedCardAsync(charge));
        Assert.True(outage.IsRetryable);
        var paid = await billing.ChargeSavedCardAsync(charge);

        Assert.Equal(300, paid.AmountCents);
        Assert.Single(await system.Stripe.GetPaymentIntentsAsync());
        Assert.Equal("paid", await system.ScalarAsync<string>("SELECT status FROM billing.invoices WHERE id = $1", invoice.InvoiceId));
    }

    internal static async Task<Guid> RegisterDriverWithSavedCardAsync(ParkingSystem system, string testCard = "pm_card_visa")
    {
        var customerId = Guid.NewGuid();
        var stripe = system.Services.GetRequiredService<StripeClient>();
        var stripeCustomer = await stripe.CreateCustomerAsync(new CreateCustomerRequest { Email = "dana@example.com" }, $"customer-{customerId}");
        var card = await stripe.AttachDefaultPaymentMethodAsync(stripeCustomer.Id, testCard, $"customer-{customerId}/card");
        await using var scope = system.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EasyParkDbContext>();
        var customer = new Customer { Id = customerId, Email = "dana@example.com", Name = "Dana Driver", Role = CustomerRole.Driver, StripeCustomerId = stripeCustomer.Id };
        customer.PaymentMethods.Add(new PaymentMethod
        {
            Id = Guid.NewGuid(),
            CustomerId = customerId,
            StripeCustomerId = stripeCustomer.Id,
            StripePaymentMethodId = card.Id,
            Brand = card.Card?.Brand ?? "visa",
            Last4 = card.Card?.Last4 ?? "4242",
            IsDefault = true,
        });
        customer.Vehicles.Add(new Vehicle { Id = Guid.NewGuid(), CustomerId = customerId, Plate = Plate, Fuel = FuelType.Ice, Kind = VehicleKind.Car });
        db.Customers.Add(customer);
        await db.SaveChangesAsync();
        return customerId;
    }

    // Everything a retried activity could have touched, as one comparable string.
    private static async Task<string> SnapshotAsync(ParkingSystem system)
    {
        var rows = await system.RowsAsync("""
            SELECT (SELECT count(*) FROM billing.invoices), (SELECT count(*) FROM billing.invoice_line_items),
                   (SELECT string_agg(status || ':' || amount_captured_cents, ',') FROM billing.payments),
                   (SELECT string_agg(number || ':' || total_cents, ',') FROM billing.receipts),
                   (SELECT count(*) FROM billing.refunds), (SELECT count(*) FROM parking.operator_alerts),
                   (SELECT count(*) FROM analytics.occupancy_events),
                   (SELECT string_agg(status || ':' || amount_paid_cents || ':' || updated_at, ',') FROM parking.parking_sessions),
                   (SELECT count(*) FILTER (WHERE status = 'occupied') FROM parking.spaces),
                   (SELECT string_agg(status || ':' || paid_at, ',') FROM billing.invoices)
            """);
        return string.Join("|", rows.Single());
    }
}
