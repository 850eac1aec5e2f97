using EasyParkPlus.Activities.Billing;
using EasyParkPlus.Activities.Charging;
using EasyParkPlus.Activities.Gateway;
using EasyParkPlus.Activities.Payments;
using EasyParkPlus.Activities.Subscriptions;
using EasyParkPlus.Data;
using EasyParkPlus.Data.Accounts;
using EasyParkPlus.Data.GatewayApi;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.Domain.Subscriptions;
using EasyParkPlus.TestSupport;
using EasyParkPlus.LocalStripe;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Charging;
using EasyParkPlus.Workflows.Subscriptions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Temporalio.Exceptions;

namespace EasyParkPlus.Activities.Tests.Charging;

/// <summary>
/// The charging and subscription activities against a migrated, seeded PostgreSQL database and the Stripe
/// stand-in over HTTP: a retried call (same workflow step, same key) must change nothing anywhere.
/// </summary>
public sealed class ChargingActivitiesTests : IAsyncLifetime
{
    private string _connectionString = "";
    private StripeStandIn _stripe = null!;
    private ServiceProvider _services = null!;
    private readonly RecordingChargerGateway _gateway = new();

    public async Task InitializeAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync("charging_activities");
        await EasyParkDatabase.MigrateAsync(_connectionString);
        await EasyParkSeeder.SeedAsync(_connectionString, new SeedOptions());
        _stripe = await StripeStandIn.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stripe:ApiKey"] = StripeStandIn.ApiKey,
            ["Stripe:BaseUrl"] = _stripe.BaseUrl,
            ["Stripe:WebhookSecret"] = "whsec_charging_tests",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddEasyParkData(_connectionString);
        services.AddStripe();
        services.AddSingleton<IGatewayClient>(_gateway);
        services.AddScoped<ChargingActivities>();
        services.AddScoped<SubscriptionActivities>();
        services.AddScoped<BillingActivities>();
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _stripe.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_connectionString);
    }

    // Each call in its own scope, like an activity attempt (a fresh DbContext).
    private async Task<T> InScopeAsync<TActivities, T>(Func<TActivities, Task<T>> call) where TActivities : notnull
    {
        await using var scope = _services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TActivities>());
    }

    private async Task InScopeAsync<TActivities>(Func<TActivities, Task> call) where TActivities : notnull
    {
        await using var scope = _services.CreateAsyncScope();
        await call(scope.ServiceProvider.GetRequiredService<TActivities>());
    }

    private async Task<Guid> RegisterDriverAsync(string testCard = "pm_card_visa")
    {
        var customerId = Guid.NewGuid();
        await using var scope = _services.CreateAsyncScope();
        var stripe = scope.ServiceProvider.GetRequiredService<Stripe.StripeClient>();
        var stripeCustomer = await stripe.V1.Customers.CreateAsync(new() { Email = $"evan-{customerId:N}@example.com" }, new() { IdempotencyKey = $"customer-{customerId}" });
        var card = await stripe.V1.PaymentMethods.AttachAsync(testCard, new() { Customer = stripeCustomer.Id }, new() { IdempotencyKey = $"customer-{customerId}/card" });
        var db = scope.ServiceProvider.GetRequiredService<EasyParkDbContext>();
        var customer = new Customer { Id = customerId, Email = $"evan-{customerId:N}@example.com", Name = "Evan Driver", Role = CustomerRole.Driver, StripeCustomerId = stripeCustomer.Id };
        customer.PaymentMethods.Add(new PaymentMethod
        {
            Id = Guid.NewGuid(),
            CustomerId = customerId,
            StripeCustomerId = stripeCustomer.Id,
            StripePaymentMethodId = card.Id,
            Brand = "visa",
            Last4 = card.Card?.Last4 ?? "4242",
            IsDefault = true,
        });
        db.Customers.Add(customer);
        await db.SaveChangesAsync();
        return customerId;
    }

    private async Task<string> SnapshotAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT concat_ws('|',
                coalesce((SELECT string_agg(idempotency_key || ':' || status || ':' || amount_authorized_cents || ':' || amount_captured_cents || ':' || updated_at, ',' ORDER BY idempotency_key) FROM billing.payments), '-'),
                coalesce((SELECT string_agg(status || ':' || coalesce(paid_at::text, '-'), ',') FROM billing.invoices), '-'),
                (SELECT count(*) FROM parking.operator_alerts),
                coalesce((SELECT string_agg(status || ':' || plan_code || ':' || updated_at, ',') FROM billing.subscriptions), '-'))
            """, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private Task<int> ExecuteAsync(string sql, params object[] values) => TestSql.ExecuteAsync(_connectionString, sql, values);

    [Fact]
    public async Task CaptureHoldAsync_CalledTwiceWithTheSameKey_CapturesOnceAndChangesNothing()
    {
        var customer = await RegisterDriverAsync();
        const string workflowId = "charging-capture-twice";
        var hold = await InScopeAsync<ChargingActivities, HoldAuthorised>(a => a.AuthoriseHoldAsync(new HoldRequest(workflowId, customer, 5000, "EV charging")));
        var again = await InScopeAsync<ChargingActivities, HoldAuthorised>(a => a.AuthoriseHoldAsync(new HoldRequest(workflowId, customer, 5000, "EV charging")));
        again.Should().Be(hold);
        var invoice = await InScopeAsync<BillingActivities, IssuedInvoice>(b => b.IssueInvoiceAsync(new InvoiceRequest(workflowId, BillableKind.Charging, "session", customer, "BOS",
            [new BillingLine("CHARGING_SESSION_FEE", "fee", 1, "each", 200, 200), new BillingLine("CHARGING_ENERGY", "energy", 20, "kWh", 35, 700),
             new BillingLine("CHARGING_IDLE", "idle", 7, "min", 50, 350)], DateTimeOffset.UtcNow)));

        var capture = new HoldCapture(workflowId, hold.PaymentId, invoice.InvoiceId, 1250);
        var first = await InScopeAsync<ChargingActivities, HoldCaptured>(a => a.CaptureHoldAsync(capture));
        var afterFirst = await SnapshotAsync();
        var second = await InScopeAsync<ChargingActivities, HoldCaptured>(a => a.CaptureHoldAsync(capture));

        (first.CapturedCents, second.CapturedCents).Should().Be((1250L, 1250L));
        (await SnapshotAsync()).Should().Be(afterFirst);
        var intent = (await _stripe.GetPaymentIntentsAsync()).Should().ContainSingle().Which;
        (intent.Status, intent.AmountReceived, intent.CaptureMethod, intent.Amount).Should().Be(("succeeded", 1250L, "manual", 5000L));
        afterFirst.Should().Contain("paid:");

        // A crash after Stripe captured but before the row was written: the retry sends the same key and Stripe replays.
        await ExecuteAsync("UPDATE billing.payments SET status = 'requires_capture', amount_captured_cents = 0 WHERE id = $1", hold.PaymentId);
        var replay = await InScopeAsync<ChargingActivities, HoldCaptured>(a => a.CaptureHoldAsync(capture));
        replay.CapturedCents.Should().Be(1250L);
        var captures = _stripe.Requests.Where(r => r.Path.EndsWith("/capture", StringComparison.Ordinal)).ToList();
        captures.Count.Should().Be(2);
        captures.Should().AllSatisfy(r => r.IdempotencyKey.Should().Be($"{workflowId}/capture"));
        captures[1].Replayed.Should().BeTrue();
        ((await _stripe.GetPaymentIntentsAsync()).Should().ContainSingle().Which.AmountReceived).Should().Be(1250L);
    }

    [Fact]
    public async Task ChargeSavedCardAsync_RemainderCalledTwice_ChargesOnce()
    {
        var customer = await RegisterDriverAsync();
        const string workflowId = "charging-remainder-twice";
        var invoice = await InScopeAsync<BillingActivities, IssuedInvoice>(b => b.IssueInvoiceAsync(new InvoiceRequest(workflowId, BillableKind.Charging, "session", customer, "BOS",
            [new BillingLine("CHARGING_ENERGY", "energy", 10, "kWh", 35, 350)], DateTimeOffset.UtcNow)));
        var charge = new SavedCardCharge(workflowId, "remainder", invoice.InvoiceId, customer, 250, "EV charging");

        var first = await InScopeAsync<BillingActivities, PaymentRecorded>(b => b.ChargeSavedCardAsync(charge));
        var afterFirst = await SnapshotAsync();
        var second = await InScopeAsync<BillingActivities, PaymentRecorded>(b => b.ChargeSavedCardAsync(charge));

        second.Should().Be(first);
        (await SnapshotAsync()).Should().Be(afterFirst);
        ((await _stripe.GetPaymentIntentsAsync()).Should().ContainSingle().Which.AmountReceived).Should().Be(250L);
    }

    [Fact]
    public async Task ChargeSavedCardAsync_RowsLostToAPointInTimeRestore_IssuedAndChargedAgain_StripeReplaysTheOneCharge()
    {
        var customer = await RegisterDriverAsync();
        const string workflowId = "parking-restored-before-its-exit";
        var request = new InvoiceRequest(workflowId, BillableKind.Parking, "", customer, "BOS", [new BillingLine("PARKING", "2 h", 2, "h", 300, 600)], DateTimeOffset.UtcNow);
        var invoice = await InScopeAsync<BillingActivities, IssuedInvoice>(b => b.IssueInvoiceAsync(request));
        await InScopeAsync<BillingActivities, PaymentRecorded>(b => b.ChargeSavedCardAsync(new SavedCardCharge(workflowId, "exit-charge", invoice.InvoiceId, customer, 600, "Parking")));

        // The database goes back to a point before both steps (Stripe does not): the workflow runs them again.
        await ExecuteAsync("DELETE FROM billing.payments WHERE invoice_id = $1", invoice.InvoiceId);
        await ExecuteAsync("DELETE FROM billing.invoice_line_items WHERE invoice_id = $1", invoice.InvoiceId);
        await ExecuteAsync("DELETE FROM billing.invoices WHERE id = $1", invoice.InvoiceId);
        var reissued = await InScopeAsync<BillingActivities, IssuedInvoice>(b => b.IssueInvoiceAsync(request));
        var recharged = await InScopeAsync<BillingActivities, PaymentRecorded>(b => b.ChargeSavedCardAsync(new SavedCardCharge(workflowId, "exit-charge", reissued.InvoiceId, customer, 600, "Parking")));

        reissued.Should().Be(invoice, "the invoice id follows from what it bills, so the charge's parameters are the same");
        recharged.AmountCents.Should().Be(600);
        _stripe.Requests.Where(r => r.IdempotencyKey == $"{workflowId}/exit-charge").Select(r => (r.StatusCode, r.Replayed))
            .Should().Equal((200, false), (200, true));
        (await _stripe.GetPaymentIntentsAsync()).Should().ContainSingle().Which.AmountReceived.Should().Be(600);
    }

    [Fact]
    public async Task CancelHoldAsync_CalledTwice_CancelsTheIntentOnce()
    {
        var customer = await RegisterDriverAsync();
        const string workflowId = "charging-cancel-twice";
        var hold = await InScopeAsync<ChargingActivities, HoldAuthorised>(a => a.AuthoriseHoldAsync(new HoldRequest(workflowId, customer, 5000, "EV charging")));
        var release = new HoldRelease(workflowId, hold.PaymentId, "charger never started");

        await InScopeAsync<ChargingActivities>(a => a.CancelHoldAsync(release));
        var afterFirst = await SnapshotAsync();
        await InScopeAsync<ChargingActivities>(a => a.CancelHoldAsync(release));

        (await SnapshotAsync()).Should().Be(afterFirst);
        var intent = (await _stripe.GetPaymentIntentsAsync()).Should().ContainSingle().Which;
        (intent.Status, intent.AmountReceived).Should().Be(("canceled", 0L));
        _stripe.Requests.Should().ContainSingle(r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuthoriseHoldAsync_DeclinedCard_FailsNonRetryably_ServerErrorStaysRetryable()
    {
        var declining = await RegisterDriverAsync("pm_card_chargeCustomerFail");
        var declined = (await FluentActions.Awaiting(() =>
            InScopeAsync<ChargingActivities, HoldAuthorised>(a => a.AuthoriseHoldAsync(new HoldRequest("charging-declined", declining, 5000, "EV charging")))).Should().ThrowExactlyAsync<ApplicationFailureException>()).Which;
        (declined.ErrorType, declined.NonRetryable).Should().Be((BillingErrors.CardDeclined, true));

        var customer = await RegisterDriverAsync();
        _stripe.FailNext("/v1/payment_intents", 500);
        var outage = (await FluentActions.Awaiting(() =>
            InScopeAsync<ChargingActivities, HoldAuthorised>(a => a.AuthoriseHoldAsync(new HoldRequest("charging-outage", customer, 5000, "EV charging")))).Should().ThrowExactlyAsync<ApplicationFailureException>()).Which;
        (outage.ErrorType, outage.NonRetryable).Should().Be((StripeFailure.UnavailableErrorType, false));
        _stripe.FailNext("/v1/payment_intents", 429);
        var limited = (await FluentActions.Awaiting(() =>
            InScopeAsync<ChargingActivities, HoldAuthorised>(a => a.AuthoriseHoldAsync(new HoldRequest("charging-outage", customer, 5000, "EV charging")))).Should().ThrowExactlyAsync<ApplicationFailureException>()).Which;
        (limited.ErrorType, limited.NonRetryable).Should().Be((StripeFailure.UnavailableErrorType, false));

        // The engine's retry with the same key then succeeds, with one hold at Stripe.
        var hold = await InScopeAsync<ChargingActivities, HoldAuthorised>(a => a.AuthoriseHoldAsync(new HoldRequest("charging-outage", customer, 5000, "EV charging")));
        hold.AmountCents.Should().Be(5000L);
        (await _stripe.GetPaymentIntentsAsync()).Should().ContainSingle(i => i.Customer != null && i.Status == "requires_capture");
    }

    [Fact]
    public async Task RecordSessionAsync_ActiveThenClosedAndRetried_OneRowWithThePricedParts_UnknownEvseSkipped()
    {
        var sessionId = Guid.NewGuid();
        var customerId = await RegisterDriverAsync();
        var started = new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);
        var record = new ChargingSessionRecord($"charging-{sessionId}", sessionId, EasyParkSeeder.StationId("BOS", 1), 1, "TX-REC-1", customerId,
            started, 1_250_000, started.AddSeconds(2));
        var closed = record with
        {
            RecordedAt = started.AddMinutes(52),
            Closing = new ChargingSessionClosing(false, started.AddMinutes(51.5), 1_270_000, 20_000, 690, 7, 200, 700, 350, 1250, "EVDisconnected"),
        };

        // What the gateway's internal API reports of the transaction: three events with the register and the charging
        // state (the gateway's own tables hold nothing here: the activity must not read them).
        _gateway.TransactionEvents[(record.StationId, "TX-REC-1")] =
        [
            new(0, started, started.AddSeconds(1), 1_250_000, "Charging"),
            new(1, started.AddMinutes(40), started.AddMinutes(40), 1_270_000, "EVConnected"),
            new(2, started.AddMinutes(51.5), started.AddMinutes(51.5), 1_270_000, "Idle"),
        ];

        await InScopeAsync<ChargingActivities>(a => a.RecordSessionAsync(record));
        var active = await RowAsync(record.WorkflowId);
        await InScopeAsync<ChargingActivities>(a => a.RecordSessionAsync(closed));
        await InScopeAsync<ChargingActivities>(a => a.RecordSessionAsync(closed));
        await InScopeAsync<ChargingActivities>(a => a.RecordSessionAsync(record with { WorkflowId = "charging-nowhere", EvseId = 9 }));

        active.Should().Be($"active|TX-REC-1|{customerId}|1250000||0|0|");
        (await RowAsync(record.WorkflowId)).Should().Be($"completed|TX-REC-1|{customerId}|1250000|1270000|20000|1250|EVDisconnected");
        (await RowAsync("charging-nowhere")).Should().Be("");
        // The readings and state changes sit next to the session once each, although it was recorded three times.
        (await ScalarTextAsync("""
            SELECT (SELECT string_agg(r.seq_no || ':' || r.energy_wh, ',' ORDER BY r.seq_no) FROM charging.energy_readings r WHERE r.charging_session_id = s.id)
                || '|' || (SELECT string_agg(e.seq_no || ':' || e.state, ',' ORDER BY e.seq_no) FROM charging.charging_state_events e WHERE e.charging_session_id = s.id)
            FROM charging.charging_sessions s WHERE s.workflow_id = $1
            """, record.WorkflowId)).Should().Be("0:1250000,1:1270000,2:1270000|0:charging,1:ev_connected,2:idle");
        _gateway.Commands.Should().Equal(Enumerable.Repeat($"events:{record.StationId}/TX-REC-1", 3), "each recording of the known EVSE asks the gateway once");
    }

    [Fact]
    public async Task RecordSessionAsync_GatewayUnreachable_SessionRowWrittenAndTheActivityFailsForARetry()
    {
        var sessionId = Guid.NewGuid();
        var customerId = await RegisterDriverAsync();
        var started = new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero);
        var record = new ChargingSessionRecord($"charging-{sessionId}", sessionId, EasyParkSeeder.StationId("BOS", 1), 1, "TX-REC-2", customerId,
            started, 40_000, started.AddSeconds(2));
        _gateway.Offline = true;

        var attempt = () => InScopeAsync<ChargingActivities>(a => a.RecordSessionAsync(record));

        await attempt.Should().ThrowAsync<GatewayUnavailableException>();
        (await RowAsync(record.WorkflowId)).Should().Be($"active|TX-REC-2|{customerId}|40000||0|0|", "the api's readers see the running session meanwhile");
        _gateway.Offline = false;
        _gateway.TransactionEvents[(record.StationId, "TX-REC-2")] = [new(0, started, started, 40_000, "Charging")];
        await attempt();
        (await ScalarTextAsync("""
            SELECT string_agg(r.seq_no || ':' || r.energy_wh, ',') FROM charging.energy_readings r
            JOIN charging.charging_sessions s ON s.id = r.charging_session_id WHERE s.workflow_id = $1
            """, record.WorkflowId)).Should().Be("0:40000");
    }

    private async Task<string> ScalarTextAsync(string sql, params object[] values) => (await TestSql.ScalarAsync<string>(_connectionString, sql, values))!;

    private async Task<string> RowAsync(string workflowId)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT coalesce(string_agg(concat_ws('|', s.status, s.transaction_id, s.customer_id, s.meter_start_wh, coalesce(s.meter_stop_wh::text, ''),
                s.energy_wh, s.total_cents, coalesce(s.stop_reason, '')), ','), '')
            FROM charging.charging_sessions s JOIN charging.chargers c ON c.id = s.charger_id WHERE s.workflow_id = $1 AND c.station_id = 'BOS-CH-01'
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = workflowId });
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task RaiseOperatorAlertAsync_Twice_WritesOneAlert()
    {
        var alert = new ChargingAlert("charging-alert", "BOS", ChargingAlertKinds.NeverStarted, "BOS-CH-01 never started", DateTimeOffset.UtcNow);

        await InScopeAsync<ChargingActivities>(a => a.RaiseOperatorAlertAsync(alert));
        await InScopeAsync<ChargingActivities>(a => a.RaiseOperatorAlertAsync(alert));

        ((await SnapshotAsync()).Split('|')[2]).Should().Be("1");
    }

    [Fact]
    public async Task GatewayCommands_PassThroughAndRejectionsAreNotRetried()
    {
        var session = Guid.NewGuid();
        var allocated = await InScopeAsync<ChargingActivities, int>(a => a.ReservePowerAsync(new PowerReservation("BOS", session, "BOS-CH-01", 1, 150_000)));
        allocated.Should().Be(150_000);
        await InScopeAsync<ChargingActivities>(a => a.ReleasePowerAsync(new PowerRelease("BOS", session)));
        _gateway.Commands.Should().Equal([$"reserve:{session}", $"release:{session}"]);

        _gateway.RejectStarts = true;
        var start = await InScopeAsync<ChargingActivities, RemoteStartOutcome>(a => a.StartTransactionAsync(new RemoteStart("BOS-CH-01", 1, "TOKEN", 7)));
        start.Accepted.Should().BeFalse();
        _gateway.Offline = true;
        await FluentActions.Awaiting(() =>
            InScopeAsync<ChargingActivities, RemoteStartOutcome>(a => a.StartTransactionAsync(new RemoteStart("BOS-CH-01", 1, "TOKEN", 7)))).Should().ThrowExactlyAsync<GatewayUnavailableException>();
    }

    [Fact]
    public async Task SubscriptionActivities_PlanPricesAndTheViewEntryValidationReads()
    {
        var boston = await InScopeAsync<SubscriptionActivities, PlanQuote>(a => a.GetPlanAsync(SubscriptionPlans.BostonMonthly));
        var philly = await InScopeAsync<SubscriptionActivities, PlanQuote>(a => a.GetPlanAsync(SubscriptionPlans.PhiladelphiaMonthly));
        (boston.MonthlyPriceCents, boston.FacilityCode, philly.MonthlyPriceCents, philly.FacilityCode).Should().Be((25_000L, "BOS", 20_000L, "PHL"));
        var unknown = (await FluentActions.Awaiting(() => InScopeAsync<SubscriptionActivities, PlanQuote>(a => a.GetPlanAsync("NOPE"))).Should().ThrowExactlyAsync<ApplicationFailureException>()).Which;
        unknown.NonRetryable.Should().BeTrue();

        var customer = await RegisterDriverAsync();
        var id = Guid.NewGuid();
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var update = new SubscriptionUpdate(id, $"subscription-{id}", customer, boston.Code, "BOS", SubscriptionStatus.Active, 25_000,
            start, start, start.AddMonths(1), null, null, start);
        await InScopeAsync<SubscriptionActivities>(a => a.UpdateSubscriptionAsync(update));
        await InScopeAsync<SubscriptionActivities>(a => a.UpdateSubscriptionAsync(update));
        (await SnapshotAsync()).Should().Contain("active:BOS-MONTHLY");

        await InScopeAsync<SubscriptionActivities>(a => a.UpdateSubscriptionAsync(update with { Status = SubscriptionStatus.Suspended, PastDueSince = start }));
        var snapshot = await SnapshotAsync();
        snapshot.Should().Contain("suspended:BOS-MONTHLY");
        snapshot.Should().NotContain("active:");
    }
}

/// <summary>Charger commands recorded instead of sent; can reject starts or be offline.</summary>
internal sealed class RecordingChargerGateway : IGatewayClient
{
    public List<string> Commands { get; } = [];

    public bool RejectStarts { get; set; }

    public bool Offline { get; set; }

    public Task<StartTransactionResult> StartTransactionAsync(string stationId, int evseId, string idToken, int remoteStartId, CancellationToken cancellationToken)
    {
        if (Offline)
        {
            throw new GatewayUnavailableException($"Station {stationId} is offline.");
        }
        if (RejectStarts)
        {
            throw new GatewayRejectedException($"Station {stationId} rejected the start.");
        }
        Commands.Add($"start:{stationId}");
        return Task.FromResult(new StartTransactionResult(true, "TX1"));
    }

    public Task<bool> StopTransactionAsync(string stationId, string transactionId, CancellationToken cancellationToken)
    {
        Commands.Add($"stop:{transactionId}");
        return Task.FromResult(true);
    }

    public Task<int> ReservePowerAsync(string facilityId, PowerRequest request, CancellationToken cancellationToken)
    {
        Commands.Add($"reserve:{request.SessionId}");
        return Task.FromResult(request.RequestedW);
    }

    public Task ReleasePowerAsync(string facilityId, string sessionId, CancellationToken cancellationToken)
    {
        Commands.Add($"release:{sessionId}");
        return Task.CompletedTask;
    }

    /// <summary>What the gateway's internal API answers for a transaction's stored events (none when not set).</summary>
    public Dictionary<(string StationId, string TransactionId), List<TransactionEventReading>> TransactionEvents { get; } = [];

    public Task<IReadOnlyList<TransactionEventReading>> ReadTransactionEventsAsync(string stationId, string transactionId, CancellationToken cancellationToken)
    {
        if (Offline)
        {
            throw new GatewayUnavailableException("The gateway could not be reached (test).");
        }
        Commands.Add($"events:{stationId}/{transactionId}");
        return Task.FromResult<IReadOnlyList<TransactionEventReading>>(TransactionEvents.GetValueOrDefault((stationId, transactionId)) ?? []);
    }

    public Task OpenGateAsync(string gateId, string sessionId, string? message, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Charging sends no gate commands.");

    public Task ShowGateMessageAsync(string gateId, string text, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Charging sends no gate commands.");
}
