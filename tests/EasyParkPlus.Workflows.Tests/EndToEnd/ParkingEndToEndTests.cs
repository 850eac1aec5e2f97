using System.Text.Json;
using EasyParkPlus.Activities.Billing;
using EasyParkPlus.Activities.Parking;
using EasyParkPlus.Activities.Payments;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Accounts;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.TestSupport;
using EasyParkPlus.TestSupport.Devices;
using EasyParkPlus.LocalStripe;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Parking;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Exceptions;

namespace EasyParkPlus.Workflows.Tests.EndToEnd;

[Collection(WholeSystemCollection.Name)]
public sealed class ParkingEndToEndTests(WholeSystemServer server)
{
    private const string Plate = "7ABC123";

    // What the gateway seeds the launch facilities' gates with in Development: the test's own value (the code has none).
    private const string DevelopmentGatePassword = "parking-e2e-gate-password";

    // The api, the worker (which runs the workflows) and the gateway as their own processes, configured by environment
    // variables as `./easypark run` starts them, on our Temporal server's PostgreSQL store; the gate controllers are
    // WebSockets to the gateway; Stripe is the stand-in over HTTP.
    [Fact]
    public async Task SavedCardDriver_ParksTwoHoursAtBoston_ThroughTheGates_PaysAtExitAndRetriesChangeNothing()
    {
        await using var system = await ParkingSystem.StartAsync(server, "parking_e2e", runWorker: false);
        var customerId = await RegisterDriverWithSavedCardAsync(system);
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["EASYPARK_POSTGRES"] = system.ConnectionString,
            ["EASYPARK_GATEWAY_INTERNAL_KEY"] = "e2e-internal-key",
            ["EASYPARK_STRIPE_URL"] = system.Stripe.BaseUrl,
            ["EASYPARK_STRIPE_API_KEY"] = StripeStandIn.ApiKey,
            ["EASYPARK_STRIPE_WEBHOOK_SECRET"] = "whsec_parking_e2e",
            ["EASYPARK_JWT_SIGNING_KEY"] = "parking-e2e-signing-key-0123456789abcdefghij",
            ["TEMPORAL_ADDRESS"] = system.Temporal.Address,
            ["TEMPORAL_TASK_QUEUE"] = system.TaskQueue,
            ["Api__RunWorker"] = "false",
            ["Gates__DevelopmentPassword"] = DevelopmentGatePassword,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        await using var gateway = await ServiceProcess.StartAsync("ocpp-gateway/EasyParkPlus.OcppGateway", environment);
        // The api's activities call the gateway's internal command API, which has a port of its own.
        environment["EASYPARK_GATEWAY_URL"] = (await gateway.InternalAddressAsync()).ToString().TrimEnd('/');
        await using var api = await ServiceProcess.StartAsync("api/EasyParkPlus.Api", environment);
        await using var worker = await ServiceProcess.StartWorkerAsync("worker/EasyParkPlus.Worker", environment);
        var sockets = new Uri(gateway.BaseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal));
        await using var entryGate = await GateClient.ConnectAsync(new Uri(sockets, "gates/BOS-GATE-IN-01"), "BOS-GATE-IN-01", DevelopmentGatePassword);
        await using var exitGate = await GateClient.ConnectAsync(new Uri(sockets, "gates/BOS-GATE-OUT-01"), "BOS-GATE-OUT-01", DevelopmentGatePassword);

        // Device times from the gates: the stay is billed from them, so two hours pass without waiting for them. The entry is
        // one the controller buffered two hours ago (a plausible replay); a device time ahead of its arrival would not be trusted.
        var exitAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var entryAt = exitAt.AddHours(-2);
        Assert.False((await entryGate.ReportAsync("BOS-GATE-IN-01:e2e-1", "entry", "7abc-123", entryAt)).GetProperty("duplicate").GetBoolean());
        string Outputs() => $"--- gateway\n{gateway.Output}\n--- api\n{api.Output}\n--- worker\n{worker.Output}\n--- temporal\n{system.Temporal.Output}";
        async Task<JsonElement> CommandAsync(GateClient gate)
        {
            try
            {
                return await gate.ReceiveAsync();
            }
            catch (OperationCanceledException e)
            {
                throw new TimeoutException($"No gate command came:\n{Outputs()}", e);
            }
        }
        var openEntry = await CommandAsync(entryGate);
        Assert.True(openEntry.GetProperty("type").GetString() == "openBarrier", $"{openEntry}\n{Outputs()}");
        await entryGate.AcknowledgeAsync(openEntry);
        var sessionId = openEntry.GetProperty("sessionId").GetGuid();
        var workflowId = ParkingWorkflowIds.ForSession(sessionId);

        Assert.False((await exitGate.ReportAsync("BOS-GATE-OUT-01:e2e-1", "exit", "7ABC123", exitAt)).GetProperty("duplicate").GetBoolean());
        var openExit = await CommandAsync(exitGate);
        Assert.Equal(("openBarrier", sessionId), (openExit.GetProperty("type").GetString(), openExit.GetProperty("sessionId").GetGuid()));
        await exitGate.AcknowledgeAsync(openExit);
        var result = await system.Client.GetWorkflowHandle(workflowId).GetResultAsync<ParkingSessionResult>().WaitAsync(TimeSpan.FromSeconds(60));

        // 2 started hours of a regular space at $3/h, charged to the saved card before the exit barrier opened.
        Assert.Equal((ParkingOutcome.Completed, 600L, 600L, PaymentChannel.SavedCard), (result.Outcome, result.TotalCents, result.PaidCents, result.Channel));
        var customerOfSession = await system.ScalarAsync<Guid>("SELECT customer_id FROM parking.parking_sessions WHERE id = $1", sessionId);
        Assert.Equal(customerId, customerOfSession);
        await AssertPaidAndRetriesChangeNothingAsync(system, sessionId, customerId, entryAt, exitAt, result);
    }

    // The space is free again; session, invoice, payment and receipt rows are right; running any activity once more
    // with the same inputs (what a retry after a lost completion does) changes nothing.
    private static async Task AssertPaidAndRetriesChangeNothingAsync(
        ParkingSystem system, Guid sessionId, Guid customerId, DateTimeOffset entryAt, DateTimeOffset exitAt, ParkingSessionResult result)
    {
        var workflowId = ParkingWorkflowIds.ForSession(sessionId);
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
        await using var system = await ParkingSystem.StartAsync(server, "parking_alerts");
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
        await using var system = await ParkingSystem.StartAsync(server, "parking_decline");
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
    public async Task PayStationPayments_InParts_PayTheInvoiceOnlyOnceTheyCoverIt_AndEachCountsOnce()
    {
        await using var system = await ParkingSystem.StartAsync(server, "parking_booth", runWorker: false);
        await using var scope = system.Services.CreateAsyncScope();
        var billing = scope.ServiceProvider.GetRequiredService<BillingActivities>();
        var invoice = await billing.IssueInvoiceAsync(new InvoiceRequest("parking-b", BillableKind.Parking, "", null, "BOS",
            [new BillingLine(PriceLineCodes.ParkingFirstHours, "Regular", 2, "h", 300, 600)], DateTimeOffset.UtcNow));
        var cash = new PayStationPayment("parking-b", invoice.InvoiceId, null, 400, "booth-7/cash-1", DateTimeOffset.UtcNow);

        await billing.RecordPayStationPaymentAsync(cash);
        await billing.RecordPayStationPaymentAsync(cash);
        Assert.Equal("open", await system.ScalarAsync<string>("SELECT status FROM billing.invoices WHERE id = $1", invoice.InvoiceId));
        await billing.RecordPayStationPaymentAsync(cash with { AmountCents = 200, Reference = "booth-7/card-2" });

        Assert.Equal("paid", await system.ScalarAsync<string>("SELECT status FROM billing.invoices WHERE id = $1", invoice.InvoiceId));
        Assert.Equal(600L, await system.ScalarAsync<long>("SELECT sum(amount_captured_cents)::bigint FROM billing.payments WHERE invoice_id = $1", invoice.InvoiceId));
    }

    [Fact]
    public async Task StripeOutage_IsRetryableAndTheRetryChargesOnce()
    {
        await using var system = await ParkingSystem.StartAsync(server, "parking_outage");
        var customerId = await RegisterDriverWithSavedCardAsync(system);
        await using var scope = system.Services.CreateAsyncScope();
        var billing = scope.ServiceProvider.GetRequiredService<BillingActivities>();
        var invoice = await billing.IssueInvoiceAsync(new InvoiceRequest("parking-o", BillableKind.Parking, "", customerId, "BOS",
            [new BillingLine(PriceLineCodes.ParkingFirstHours, "Regular", 1, "h", 300, 300)], DateTimeOffset.UtcNow));
        var charge = new SavedCardCharge("parking-o", "exit-charge", invoice.InvoiceId, customerId, 300, "Parking");
        system.Stripe.FailNext("/v1/payment_intents", 503);

        var outage = await Assert.ThrowsAsync<ApplicationFailureException>(() => billing.ChargeSavedCardAsync(charge));
        (outage.ErrorType, outage.NonRetryable).Should().Be((StripeFailure.UnavailableErrorType, false));
        var paid = await billing.ChargeSavedCardAsync(charge);

        Assert.Equal(300, paid.AmountCents);
        Assert.Single(await system.Stripe.GetPaymentIntentsAsync());
        Assert.Equal("paid", await system.ScalarAsync<string>("SELECT status FROM billing.invoices WHERE id = $1", invoice.InvoiceId));
    }

    internal static async Task<Guid> RegisterDriverWithSavedCardAsync(ParkingSystem system, string testCard = "pm_card_visa")
    {
        var customerId = Guid.NewGuid();
        await using var scope = system.Services.CreateAsyncScope();
        var stripe = scope.ServiceProvider.GetRequiredService<Stripe.StripeClient>();
        var stripeCustomer = await stripe.V1.Customers.CreateAsync(new() { Email = "dana@example.com" }, new() { IdempotencyKey = $"customer-{customerId}" });
        var card = await stripe.V1.PaymentMethods.AttachAsync(testCard, new() { Customer = stripeCustomer.Id }, new() { IdempotencyKey = $"customer-{customerId}/card" });
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
