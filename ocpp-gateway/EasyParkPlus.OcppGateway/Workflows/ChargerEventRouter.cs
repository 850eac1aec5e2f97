using System.Globalization;
using EasyParkPlus.Data;
using Charger = EasyParkPlus.Data.Charging.Charger;
using EasyParkPlus.Domain.Charging;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.Workflows;
using EasyParkPlus.Workflows.Charging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace EasyParkPlus.OcppGateway.Workflows;

/// <summary>
/// Turns a stored OCPP TransactionEvent into a signal of the ChargingSession it belongs to. A transaction the driver
/// started at the charger is signal-with-started under an id derived from the station and transaction, so its later
/// events find it by that id. A transaction the app asked for answers a session waiting on that station's EVSE
/// (StationId/EvseId search attributes) whose remoteStartId or id token it carries; a transaction started locally on
/// an EVSE where an app session waits is its own session, never billed to the app's driver. Every signal carries
/// the event's dedupe id (station/transaction/seqNo) as its request id, so a redelivered event reaches the workflow once
/// (and the workflow applies each dedupe id once besides).
/// </summary>
public sealed partial class ChargerEventRouter(
    ITemporalClient workflows, EasyParkDbContext db, IOptions<TemporalOptions> taskQueue, ILogger<ChargerEventRouter> logger)
{
    public async Task RouteAsync(ChargerTransactionEvent e, CancellationToken cancellationToken)
    {
        var state = ParseState(e.ChargingState);
        var running = SessionFor(e, await RunningOnEvseAsync(e.StationId, e.EvseId, cancellationToken));
        if (running is null)
        {
            await StartFromChargerAsync(e, state, cancellationToken);
            return;
        }
        if (e.EventType == TransactionEventType.Started && running.Id == ChargingWorkflowIds.ForSession(SessionIdFor(e.StationId, e.TransactionId)))
        {
            // Its own session was started by this very Started (signal-with-start): a redelivery, already in its history.
            LogSignalled(e.EventType, e.DedupeId, running.Id);
            return;
        }
        var (signal, argument) = e.EventType switch
        {
            TransactionEventType.Started => ("TransactionStarted",
                (object)new TransactionStarted(e.TransactionId, e.SeqNo, e.Timestamp, state, e.EnergyWh, e.DedupeId)),
            TransactionEventType.Updated => ("TransactionUpdated",
                new TransactionUpdated(e.TransactionId, e.SeqNo, e.Timestamp, state, e.EnergyWh, e.DedupeId)),
            _ => ("TransactionEnded", new TransactionEnded(e.TransactionId, e.SeqNo, e.Timestamp, e.EnergyWh ?? 0, e.StoppedReason, e.DedupeId)),
        };
        await workflows.SignalOnceAsync(running.Id, signal, argument, e.DedupeId, cancellationToken);
        LogSignalled(e.EventType, e.DedupeId, running.Id);
    }

    private async Task StartFromChargerAsync(ChargerTransactionEvent e, ChargingState? state, CancellationToken cancellationToken)
    {
        if (e.EventType != TransactionEventType.Started)
        {
            if (await StartedStillPendingAsync(e, cancellationToken))
            {
                // Its Started failed to start the session and waits for a retry: dropping this event now would lose it
                // (an Ended lost this way leaves the session unbilled), so it stays pending and is retried after it.
                throw new InvalidOperationException(
                    $"Transaction {e.TransactionId} of {e.StationId}: the Started event is not delivered yet; {e.DedupeId} waits for it.");
            }
            // Updates of a transaction whose session has already closed (or was never ours) change nothing.
            LogNoSession(e.EventType, e.DedupeId);
            return;
        }
        var facilityId = await db.Set<Charger>().AsNoTracking().Where(c => c.StationId == e.StationId).Select(c => c.FacilityId)
            .FirstOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException($"Station {e.StationId} is not a known charger; its event stays pending for an operator.");
        var sessionId = SessionIdFor(e.StationId, e.TransactionId);
        var customerId = await CustomerForAsync(e, cancellationToken);
        var input = new ChargingSessionInput(sessionId, facilityId, e.StationId, e.EvseId, customerId, e.IdToken);
        var started = new TransactionStarted(e.TransactionId, e.SeqNo, e.Timestamp, state, e.EnergyWh, e.DedupeId);
        var workflowId = ChargingWorkflowIds.ForSession(sessionId);
        var options = new WorkflowOptions(workflowId, taskQueue.Value.TaskQueue)
        {
            // With the token owner's account, the driver sees the session in the app as one they started there.
            TypedSearchAttributes = input.SearchAttributes(),
            // A Started redelivered after its session closed must not open a second one.
            IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate,
            Rpc = new() { CancellationToken = cancellationToken },
        };
        // Signal-with-start: a redelivered Started signals the run it started (the workflow applies a dedupe id once).
        options.SignalWithStart((ChargingSession s) => s.TransactionStartedAsync(started));
        try
        {
            await workflows.StartWorkflowAsync((ChargingSession s) => s.RunAsync(input), options);
        }
        catch (WorkflowAlreadyStartedException)
        {
            LogNoSession(e.EventType, e.DedupeId);
            return;
        }
        LogStartedAtCharger(e.StationId, e.TransactionId, workflowId);
        if (e.IdToken is not null && customerId is null)
        {
            await RaiseUnbilledTokenAlertAsync(e, facilityId, workflowId, cancellationToken);
        }
    }

    // The account a charger-started transaction bills: the owner of an RFID card registered to it (gateway.id_tokens, not
    // blocked), and only when the gateway answered the station Accepted for that token. A token answered Unknown or
    // Invalid, or a Central token (ours, sent with an app start, which the app session above would have matched), bills
    // nobody: the session charges as an anonymous one and operators are told.
    private async Task<Guid?> CustomerForAsync(ChargerTransactionEvent e, CancellationToken cancellationToken)
    {
        if (e is not { IdToken: { Length: > 0 } idToken, IdTokenStatus: nameof(Ocpp.IdTokenStanding.Accepted) } || e.IdTokenType == CentralToken)
        {
            return null;
        }
        var owners = await db.Database.SqlQuery<Guid>($"""
            SELECT t.customer_id AS "Value" FROM gateway.id_tokens t WHERE t.id_token = {idToken} AND NOT t.blocked
            """).ToListAsync(cancellationToken);
        return owners.Count > 0 ? owners[0] : null;
    }

    // Once per session (the alert is unique per workflow and kind), so a redelivered Started does not page twice.
    private async Task RaiseUnbilledTokenAlertAsync(ChargerTransactionEvent e, string facilityId, string workflowId, CancellationToken cancellationToken)
    {
        var token = e.IdToken!.Length > 4 ? "…" + e.IdToken[^4..] : e.IdToken;
        var message = $"Station {e.StationId} started transaction {e.TransactionId} with id token {token} ({e.IdTokenType ?? "no type"}), " +
            $"which the gateway answered {e.IdTokenStatus ?? "nothing"}: it charges as an anonymous session and bills nobody.";
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO parking.operator_alerts (id, workflow_id, facility_id, kind, message, raised_at)
            VALUES ({Guid.NewGuid()}, {workflowId}, {facilityId}, {UnbilledTokenAlert}, {message}, {e.Timestamp.ToUniversalTime()})
            ON CONFLICT (workflow_id, kind) DO NOTHING
            """, cancellationToken);
        LogUnbilledToken(e.StationId, e.TransactionId, e.IdTokenStatus);
    }

    private async Task<bool> StartedStillPendingAsync(ChargerTransactionEvent e, CancellationToken cancellationToken) =>
        (await db.Database.SqlQuery<bool>($"""
            SELECT EXISTS (SELECT 1 FROM gateway.transaction_events
                WHERE station_id = {e.StationId} AND transaction_id = {e.TransactionId} AND event_type = 'Started' AND delivered_at IS NULL) AS "Value"
            """).ToListAsync(cancellationToken))[0];

    // Which of the sessions running on the event's EVSE it belongs to, if any (see the class summary).
    internal static WorkflowExecution? SessionFor(ChargerTransactionEvent e, IReadOnlyList<WorkflowExecution> onEvse)
    {
        var startedHere = ChargingWorkflowIds.ForSession(SessionIdFor(e.StationId, e.TransactionId));
        if (onEvse.FirstOrDefault(w => w.Id == startedHere) is { } own)
        {
            return own;
        }
        if (e.EventType != TransactionEventType.Started)
        {
            // Later events carry no remoteStartId; the app session on the EVSE learnt this transaction from its Started.
            return onEvse.Count > 0 ? onEvse[0] : null;
        }
        return onEvse.FirstOrDefault(w => AnswersAppStart(w, e));
    }

    private static bool AnswersAppStart(WorkflowExecution session, ChargerTransactionEvent started)
    {
        if (!ChargingWorkflowIds.TryParseSession(session.Id, out var sessionId))
        {
            return false;
        }
        if (started.RemoteStartId is { } remoteStartId)
        {
            return remoteStartId == ChargingWorkflowIds.RemoteStartIdFor(sessionId);
        }
        // A charger that leaves out the remoteStartId still reports the Central id token we asked it to start with: the
        // customer id. Only that type: an RFID or key code that happens to spell a customer id is someone else's card.
        return started.IdTokenType == CentralToken
            && session.TypedSearchAttributes.TryGetValue(EasyParkSearchAttributes.CustomerId, out var customer)
            && string.Equals(customer, started.IdToken, StringComparison.OrdinalIgnoreCase);
    }

    // The charging sessions waiting on or charging at the EVSE, by their StationId/EvseId search attributes: an app
    // session knows no transaction id until its Started event names one, so the EVSE is the only key both sides share.
    private async Task<IReadOnlyList<WorkflowExecution>> RunningOnEvseAsync(string stationId, int evseId, CancellationToken cancellationToken)
    {
        var query = new ListFilter().Type(nameof(ChargingSession)).Running()
            .Equal(EasyParkSearchAttributes.StationId, stationId)
            .Equal(EasyParkSearchAttributes.EvseId, evseId.ToString(CultureInfo.InvariantCulture));
        var page = await workflows.ListWorkflowsPaginatedAsync(query.ToString(), null, new() { PageSize = 10, Rpc = new() { CancellationToken = cancellationToken } });
        return [.. page.Workflows];
    }

    private static ChargingState? ParseState(string? state) =>
        Enum.TryParse<ChargingState>(state, ignoreCase: false, out var parsed) ? parsed : null;

    public const string UnbilledTokenAlert = "unbilled_id_token";

    private const string CentralToken = "Central";

    public static Guid SessionIdFor(string stationId, string transactionId) =>
        WorkflowLookup.StableId($"charger-transaction:{stationId}/{transactionId}");

    [LoggerMessage(LogLevel.Information, "Transaction event {EventType} {DedupeId} signalled to {WorkflowId}")]
    private partial void LogSignalled(TransactionEventType eventType, string dedupeId, string workflowId);

    [LoggerMessage(LogLevel.Warning, "Transaction event {EventType} {DedupeId} matches no running charging session; nothing to signal")]
    private partial void LogNoSession(TransactionEventType eventType, string dedupeId);

    [LoggerMessage(LogLevel.Warning, "Station {StationId} transaction {TransactionId}: id token answered {Status}; billed to nobody, operators alerted")]
    private partial void LogUnbilledToken(string stationId, string transactionId, string? status);

    [LoggerMessage(LogLevel.Information, "Station {StationId} started transaction {TransactionId} at the charger: {WorkflowId}")]
    private partial void LogStartedAtCharger(string stationId, string transactionId, string workflowId);
}
