using EasyParkPlus.Data;
using EasyParkPlus.Domain.Charging;
using Charger = EasyParkPlus.Data.Charging.Charger;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.OcppGateway.Workflows;
using EasyParkPlus.Workflows;
using EasyParkPlus.Workflows.Charging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Api.Common.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Converters;

namespace EasyParkPlus.OcppGateway.Tests.Workflows;

// What the routing writes into the workflows' histories for a charger's transaction events; no worker runs.
public sealed class ChargerEventRouterTests(RoutingFixture routing) : IClassFixture<RoutingFixture>
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private ITemporalClient Client => routing.Client;

    private async Task<List<HistoryEvent>> HistoryAsync(string workflowId) => [.. (await Client.GetWorkflowHandle(workflowId).FetchHistoryAsync()).Events];

    private async Task<List<WorkflowExecutionSignaledEventAttributes>> SignalsAsync(string workflowId) =>
        [.. (await HistoryAsync(workflowId)).Select(e => e.WorkflowExecutionSignaledEventAttributes).OfType<WorkflowExecutionSignaledEventAttributes>()];

    private static string Text(Payloads payloads) => string.Concat(payloads.Payloads_.Select(p => p.Data.ToStringUtf8()));

    private async Task<bool> HasCustomerAsync(string workflowId) =>
        (await Client.GetWorkflowHandle(workflowId).DescribeAsync()).TypedSearchAttributes.TryGetValue(EasyParkSearchAttributes.CustomerId, out _);

    private async Task<List<string>> ListIdsAsync(string query)
    {
        var ids = new List<string>();
        await foreach (var run in Client.ListWorkflowsAsync(query))
        {
            ids.Add(run.Id);
        }
        return ids;
    }

    private Task RouteAsync(ChargerTransactionEvent e) => routing.DeliverAsync(sink => sink.ChargerTransactionEventAsync(e, CancellationToken.None));

    private Task<string> AnyStationAsync() => routing.QueryAsync(services =>
        services.GetRequiredService<EasyParkDbContext>().Set<Charger>().Select(c => c.StationId).OrderBy(s => s).FirstAsync());

    private static ChargerTransactionEvent Event(string station, TransactionEventType type, int seqNo, string? state, long? energyWh, int minutes) =>
        new(station, 1, 1, "tx-42", type, seqNo, Noon.AddMinutes(minutes), "Trigger", state, energyWh, type == TransactionEventType.Started ? "TOKEN-1" : null,
            null, type == TransactionEventType.Ended ? "EVDisconnected" : null, Offline: false);

    [Fact]
    public async Task A_transaction_started_at_the_charger_starts_a_session_and_its_events_reach_it_once_each()
    {
        var station = await AnyStationAsync();
        var started = Event(station, TransactionEventType.Started, 0, "Charging", 0, 0);
        await RouteAsync(started);
        await RouteAsync(started);
        var updated = Event(station, TransactionEventType.Updated, 1, "SuspendedEV", 20_000, 60);
        await RouteAsync(updated);
        await RouteAsync(updated);

        var workflowId = ChargingWorkflowIds.ForSession(ChargerEventRouter.SessionIdFor(station, "tx-42"));
        var history = await HistoryAsync(workflowId);
        var starting = history[0].WorkflowExecutionStartedEventAttributes;
        Assert.Contains(station, Text(starting.Input), StringComparison.Ordinal);
        var signals = await SignalsAsync(workflowId);
        Assert.Equal(["TransactionStarted", "TransactionUpdated"], signals.Select(s => s.SignalName));
        // Read back as the workflow reads it (Temporal's JSON writes the charging state as its number).
        var update = await DataConverter.Default.ToValueAsync<TransactionUpdated>(signals[1].Input.Payloads_.Single());
        Assert.Equal(20_000, update.EnergyWh);
        Assert.Equal(ChargingState.SuspendedEV, update.ChargingState);
        Assert.Equal(Noon.AddMinutes(60), update.Timestamp);
    }

    [Fact]
    public async Task A_started_transaction_answers_the_app_session_whose_remote_start_id_it_carries_and_a_local_start_gets_its_own()
    {
        var station = await routing.QueryAsync(services =>
            services.GetRequiredService<EasyParkDbContext>().Set<Charger>().Where(c => c.FacilityId == "BOS").Select(c => c.StationId).FirstAsync());
        var driver = Guid.NewGuid();
        // The app started a session on EVSE 3 and asked the charger to start; it waits for the transaction (no worker runs here).
        var app = new ChargingSessionInput(Guid.NewGuid(), "BOS", station, 3, driver, driver.ToString());
        var appId = ChargingWorkflowIds.ForSession(app.SessionId);
        await Client.StartWorkflowAsync((ChargingSession s) => s.RunAsync(app), new WorkflowOptions(appId, ChargingWorkflowIds.TaskQueue)
        {
            TypedSearchAttributes = EasyParkSearchAttributes.Collection((EasyParkSearchAttributes.StationId, station),
                (EasyParkSearchAttributes.EvseId, "3"), (EasyParkSearchAttributes.CustomerId, driver.ToString())),
        });

        // Someone else plugs in and badges an RFID card first: their own session, nothing for the app's driver.
        await RouteAsync(Event(station, TransactionEventType.Started, 0, "Charging", 0, 0) with { EvseId = 3, TransactionId = "tx-local", IdToken = "RFID-STRANGER" });
        // Then the charger reports the transaction the app asked for, with its remoteStartId.
        await RouteAsync(Event(station, TransactionEventType.Started, 0, "Charging", 0, 5) with
        {
            EvseId = 3,
            TransactionId = "tx-app",
            IdToken = driver.ToString(),
            RemoteStartId = ChargingWorkflowIds.RemoteStartIdFor(app.SessionId),
        });
        await RouteAsync(Event(station, TransactionEventType.Updated, 1, "Charging", 4_000, 10) with { EvseId = 3, TransactionId = "tx-local" });

        var local = ChargingWorkflowIds.ForSession(ChargerEventRouter.SessionIdFor(station, "tx-local"));
        async Task<List<string>> Signalled(string workflowId) => [.. (await SignalsAsync(workflowId))
            .Select(s => $"{s.SignalName}:{(Text(s.Input).Contains("tx-app", StringComparison.Ordinal) ? "tx-app" : "tx-local")}")];
        Assert.Equal(["TransactionStarted:tx-app"], await Signalled(appId));
        Assert.Equal(["TransactionStarted:tx-local", "TransactionUpdated:tx-local"], await Signalled(local));
        Assert.False(await HasCustomerAsync(local));
    }

    [Fact]
    public async Task A_transaction_started_at_the_charger_with_a_registered_rfid_card_starts_the_session_for_its_owner()
    {
        var station = await routing.QueryAsync(services =>
            services.GetRequiredService<EasyParkDbContext>().Set<Charger>().Where(c => c.FacilityId == "PHL").Select(c => c.StationId).FirstAsync());
        var owner = Guid.NewGuid();
        await routing.QueryAsync(services => services.GetRequiredService<EasyParkDbContext>().Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO accounts.customers (id, email, name, role) VALUES ({owner}, 'rfid.owner@example.test', 'RFID Owner', 'driver');
            INSERT INTO gateway.id_tokens (id_token, customer_id) VALUES ('RFID-OWNED-1', {owner});
            INSERT INTO gateway.id_tokens (id_token, customer_id, blocked) VALUES ('RFID-BLOCKED-1', {owner}, true);
            """));

        // As the gateway stored them: the owned card answered Accepted, the blocked one Invalid.
        await RouteAsync(Event(station, TransactionEventType.Started, 0, "Charging", 0, 0) with
        {
            EvseId = 1,
            TransactionId = "tx-rfid",
            IdToken = "RFID-OWNED-1",
            IdTokenType = "ISO14443",
            IdTokenStatus = "Accepted",
        });
        await RouteAsync(Event(station, TransactionEventType.Started, 0, "Charging", 0, 0) with
        {
            EvseId = 2,
            TransactionId = "tx-blocked",
            IdToken = "RFID-BLOCKED-1",
            IdTokenType = "ISO14443",
            IdTokenStatus = "Invalid",
        });

        var owned = await Client.GetWorkflowHandle(ChargingWorkflowIds.ForSession(ChargerEventRouter.SessionIdFor(station, "tx-rfid"))).DescribeAsync();
        Assert.Equal(owner.ToString(), owned.TypedSearchAttributes.Get(EasyParkSearchAttributes.CustomerId));
        var input = (await HistoryAsync(owned.Id))[0].WorkflowExecutionStartedEventAttributes.Input;
        Assert.Contains(owner.ToString(), Text(input), StringComparison.Ordinal);
        // A blocked card charges as an anonymous session: nobody's card is billed for it.
        Assert.False(await HasCustomerAsync(ChargingWorkflowIds.ForSession(ChargerEventRouter.SessionIdFor(station, "tx-blocked"))));
    }

    [Fact]
    public async Task An_update_whose_started_event_is_still_pending_stays_pending_instead_of_being_dropped()
    {
        var station = await AnyStationAsync();
        var db = (string sql) => routing.QueryAsync(services => services.GetRequiredService<EasyParkDbContext>().Database.ExecuteSqlRawAsync(sql, station));
        // The Started of tx-late is stored but its delivery failed (the engine was briefly unavailable), so no session exists yet.
        await db("""
            INSERT INTO gateway.transaction_events (station_id, transaction_id, seq_no, event_type, evse_id, device_time, trigger_reason, payload, received_at, next_attempt_at, attempts)
            VALUES ({0}, 'tx-late', 0, 'Started', 1, now(), 'Authorized', '[]', now(), now() + interval '10 seconds', 1)
            """);
        var ended = Event(station, TransactionEventType.Ended, 1, null, 9_000, 30) with { TransactionId = "tx-late" };

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => RouteAsync(ended));
        Assert.Contains("Started event is not delivered yet", refused.Message, StringComparison.Ordinal);

        // Once the Started is delivered, an event with no running session is simply not ours any more (no error, nothing started).
        await db("UPDATE gateway.transaction_events SET delivered_at = now() WHERE station_id = {0} AND transaction_id = 'tx-late'");
        await RouteAsync(ended);
        var sessions = await ListIdsAsync($"WorkflowType = '{nameof(ChargingSession)}'");
        Assert.DoesNotContain(ChargingWorkflowIds.ForSession(ChargerEventRouter.SessionIdFor(station, "tx-late")), sessions);
    }

    [Fact]
    public async Task A_session_started_from_the_app_receives_the_chargers_events_by_remote_start_id_then_station_and_evse()
    {
        var station = await AnyStationAsync();
        var sessionId = Guid.NewGuid();
        var input = new ChargingSessionInput(sessionId, "BOS", station, 2, Guid.NewGuid(), "APP-TOKEN");
        var workflowId = ChargingWorkflowIds.ForSession(sessionId);
        await Client.StartWorkflowAsync((ChargingSession s) => s.RunAsync(input), new WorkflowOptions(workflowId, ChargingWorkflowIds.TaskQueue)
        {
            TypedSearchAttributes = EasyParkSearchAttributes.Collection((EasyParkSearchAttributes.StationId, station), (EasyParkSearchAttributes.EvseId, "2")),
        });

        await RouteAsync(Event(station, TransactionEventType.Started, 0, "Charging", 0, 0) with
        {
            EvseId = 2,
            TransactionId = "tx-app",
            RemoteStartId = ChargingWorkflowIds.RemoteStartIdFor(sessionId),
        });
        await RouteAsync(Event(station, TransactionEventType.Updated, 1, "Charging", 3_000, 5) with { EvseId = 2, TransactionId = "tx-app" });

        var signals = await SignalsAsync(workflowId);
        Assert.Equal(["TransactionStarted", "TransactionUpdated"], signals.Select(s => s.SignalName));
        Assert.Empty(await ListIdsAsync($"WorkflowId = '{ChargingWorkflowIds.ForSession(ChargerEventRouter.SessionIdFor(station, "tx-app"))}'"));
    }

    [Fact]
    public async Task Events_of_an_unknown_station_are_not_swallowed_when_they_would_start_a_session()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => RouteAsync(Event("NO-SUCH-STATION", TransactionEventType.Started, 0, "Charging", 0, 0)));
        // An update for a transaction no session follows is logged and changes nothing.
        await RouteAsync(Event("NO-SUCH-STATION", TransactionEventType.Updated, 1, "Charging", 10, 5));
        Assert.Empty(await ListIdsAsync($"WorkflowId = '{ChargingWorkflowIds.ForSession(ChargerEventRouter.SessionIdFor("NO-SUCH-STATION", "tx-42"))}'"));
    }

    // Issue 16, point 4: a token equal to a customer's id, answered Unknown (or a Central token no app session asked
    // for), bills nobody and raises an alert; the session still charges, anonymously.
    [Fact]
    public async Task RouteAsync_TokenSpellingACustomerIdButAnsweredUnknown_BillsNobodyAndAlerts()
    {
        var station = await routing.QueryAsync(services =>
            services.GetRequiredService<EasyParkDbContext>().Set<Charger>().Where(c => c.FacilityId == "PHL").Select(c => c.StationId).FirstAsync());
        var victim = Guid.NewGuid();
        await routing.QueryAsync(services => services.GetRequiredService<EasyParkDbContext>().Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO accounts.customers (id, email, name, role) VALUES ({victim}, {$"victim-{victim:N}@example.test"}, 'Victim', 'driver')
            """));

        await RouteAsync(Event(station, TransactionEventType.Started, 0, "Charging", 0, 0) with
        {
            EvseId = 3,
            TransactionId = "tx-spoof-rfid",
            IdToken = victim.ToString(),
            IdTokenType = "ISO14443",
            IdTokenStatus = "Unknown",
        });
        await RouteAsync(Event(station, TransactionEventType.Started, 0, "Charging", 0, 0) with
        {
            EvseId = 4,
            TransactionId = "tx-spoof-central",
            IdToken = victim.ToString(),
            IdTokenType = "Central",
            IdTokenStatus = "Accepted",
        });

        foreach (var transaction in new[] { "tx-spoof-rfid", "tx-spoof-central" })
        {
            var workflowId = ChargingWorkflowIds.ForSession(ChargerEventRouter.SessionIdFor(station, transaction));
            (await HasCustomerAsync(workflowId)).Should().BeFalse(because: transaction);
            var input = await DataConverter.Default.ToValueAsync<ChargingSessionInput>((await HistoryAsync(workflowId))[0].WorkflowExecutionStartedEventAttributes.Input.Payloads_.Single());
            input.CustomerId.Should().BeNull();
            var alerts = await routing.QueryAsync(services => services.GetRequiredService<EasyParkDbContext>().OperatorAlerts
                .Where(a => a.WorkflowId == workflowId).Select(a => a.Kind).ToListAsync());
            alerts.Should().Equal(ChargerEventRouter.UnbilledTokenAlert);
        }
    }
}
