using System.Globalization;
using System.Text.Json;
using EasyParkPlus.OcppGateway.Devices;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.OcppGateway.Ocpp;

// The station→CSMS messages of OCPP 2.0.1. Each payload is first checked against its official schema (a violation is
// answered with its CALLERROR code and changes nothing); whatever else goes wrong becomes a CALLERROR, never a closed socket.
public sealed class OcppHandlers(OcppStore store, OcppSchemas schemas, DeviceEventOutbox delivery, IServiceProvider services,
    IOptions<OcppOptions> options, TimeProvider time, ILogger<OcppHandlers> logger)
{
    private static readonly HashSet<string> BootReasons = ["ApplicationReset", "FirmwareUpdate", "LocalReset", "PowerUp", "RemoteReset", "ScheduledReset", "Triggered", "Unknown", "Watchdog"];
    private static readonly HashSet<string> ConnectorStatuses = ["Available", "Occupied", "Reserved", "Unavailable", "Faulted"];
    private static readonly HashSet<string> IdTokenTypes = ["Central", "eMAID", "ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress", "NoAuthorization"];
    private static readonly HashSet<string> EventTypes = ["Started", "Updated", "Ended"];
    private static readonly HashSet<string> ChargingStates = ["Charging", "EVConnected", "SuspendedEV", "SuspendedEVSE", "Idle"];
    private static readonly HashSet<string> TriggerReasons = ["Authorized", "CablePluggedIn", "ChargingRateChanged", "ChargingStateChanged", "Deauthorized",
        "EnergyLimitReached", "EVCommunicationLost", "EVConnectTimeout", "MeterValueClock", "MeterValuePeriodic", "TimeLimitReached", "Trigger",
        "UnlockCommand", "StopAuthorized", "EVDeparted", "EVDetected", "RemoteStop", "RemoteStart", "AbnormalCondition", "SignedDataReceived", "ResetCommand"];
    private static readonly HashSet<string> StoppedReasons = ["DeAuthorized", "EmergencyStop", "EnergyLimitReached", "EVDisconnected", "GroundFault",
        "ImmediateReset", "Local", "LocalOutOfCredit", "MasterPass", "Other", "OvercurrentFault", "PowerLoss", "PowerQuality", "Reboot", "Remote",
        "SOCLimitReached", "StoppedByEV", "TimeLimitReached", "Timeout"];

    // Station→CSMS messages we take but only acknowledge (their answers are empty objects).
    private static readonly HashSet<string> Acknowledged = ["NotifyEvent", "NotifyReport", "SecurityEventNotification", "FirmwareStatusNotification",
        "LogStatusNotification", "NotifyMonitoringReport", "NotifyChargingLimit", "ClearedChargingLimit", "NotifyDisplayMessages",
        "NotifyCustomerInformation", "ReportChargingProfiles", "PublishFirmwareStatusNotification", "ReservationStatusUpdate"];

    // Every other action OCPP 2.0.1 defines: answered NotSupported (unknown names get NotImplemented).
    private static readonly HashSet<string> OtherOcppActions = ["CancelReservation", "CertificateSigned", "ChangeAvailability", "ClearCache",
        "ClearChargingProfile", "ClearDisplayMessage", "ClearVariableMonitoring", "CostUpdated", "CustomerInformation", "DataTransfer",
        "DeleteCertificate", "Get15118EVCertificate", "GetBaseReport", "GetCertificateStatus", "GetChargingProfiles", "GetCompositeSchedule",
        "GetDisplayMessages", "GetInstalledCertificateIds", "GetLocalListVersion", "GetLog", "GetMonitoringReport", "GetReport",
        "GetTransactionStatus", "GetVariables", "InstallCertificate", "NotifyEVChargingNeeds", "NotifyEVChargingSchedule", "PublishFirmware",
        "RequestStartTransaction", "RequestStopTransaction", "ReserveNow", "Reset", "SendLocalList", "SetChargingProfile", "SetDisplayMessage",
        "SetMonitoringBase", "SetMonitoringLevel", "SetNetworkProfile", "SetVariableMonitoring", "SetVariables", "SignCertificate",
        "TriggerMessage", "UnlockConnector", "UnpublishFirmware", "UpdateFirmware"];

    // The messages handled below; their payloads are checked against the schemas first.
    private static readonly HashSet<string> Handled = ["BootNotification", "Heartbeat", "StatusNotification", "Authorize", "TransactionEvent", "MeterValues"];

    public async Task<string> HandleAsync(StationConnection station, OcppCall call, CancellationToken ct)
    {
        if (!Handled.Contains(call.Action) && !Acknowledged.Contains(call.Action))
        {
            var unsupported = OtherOcppActions.Contains(call.Action);
            return OcppFraming.ErrorText(call.MessageId, unsupported ? OcppErrorCodes.NotSupported : OcppErrorCodes.NotImplemented,
                unsupported ? $"{call.Action} is not accepted from a charging station by this CSMS." : $"Unknown action '{call.Action}'.");
        }
        try
        {
            if (await schemas.CheckAsync(call.Action, call.Payload) is { } violation)
            {
                OcppLog.InvalidMessage(logger, station.StationId, violation.ErrorCode, violation.Description);
                return OcppFraming.ErrorText(call.MessageId, violation.ErrorCode, $"{call.Action}: {violation.Description}");
            }
            object answer = call.Action switch
            {
                "BootNotification" => await BootAsync(station, PayloadReader.Root(call.Payload), ct),
                "Heartbeat" => new { currentTime = Now() },
                "StatusNotification" => await StatusAsync(station, PayloadReader.Root(call.Payload), ct),
                "Authorize" => await AuthorizeAsync(PayloadReader.Root(call.Payload), ct),
                "TransactionEvent" => await TransactionEventAsync(station, call.Payload, ct),
                "MeterValues" => await MeterValuesAsync(station, call.Payload, ct),
                _ => new { },
            };
            return OcppFraming.ResultText(call.MessageId, answer);
        }
        catch (OcppPayloadException ex)
        {
            OcppLog.InvalidMessage(logger, station.StationId, ex.ErrorCode, ex.Message);
            return OcppFraming.ErrorText(call.MessageId, ex.ErrorCode, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Nothing was acknowledged, so the station keeps the message and retries it.
            OcppLog.HandlerFailed(logger, ex, call.Action, station.StationId);
            return OcppFraming.ErrorText(call.MessageId, OcppErrorCodes.InternalError, "The CSMS could not process the message; retry later.");
        }
    }

    private string Now() => time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private async Task<object> BootAsync(StationConnection station, PayloadReader payload, CancellationToken ct)
    {
        var device = payload.Child("chargingStation");
        payload.Enum("reason", BootReasons);
        var model = device.Text("model", 20);
        var vendor = device.Text("vendorName", 50);
        var serial = device.OptionalText("serialNumber", 25);
        var firmware = device.OptionalText("firmwareVersion", 50);
        await store.RecordBootAsync(station.StationId, vendor, model, serial, firmware, time.GetUtcNow(), ct);
        OcppLog.Booted(logger, station.StationId, vendor, model, firmware);
        return new { currentTime = Now(), interval = options.Value.HeartbeatIntervalSeconds, status = "Accepted" };
    }

    private async Task<object> StatusAsync(StationConnection station, PayloadReader payload, CancellationToken ct)
    {
        var status = new ConnectorStatusChanged(station.StationId, payload.Number("evseId", 0), payload.Number("connectorId", 0),
            payload.Enum("connectorStatus", ConnectorStatuses), payload.Time("timestamp"));
        await store.UpsertConnectorStatusAsync(status, time.GetUtcNow(), ct);
        try
        {
            // Best effort: the persisted row is the source of truth for the api and console.
            // The sink may be scoped (the workflow adapter is), so it gets a scope of its own.
            await using var scope = services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IDeviceEventSink>().ConnectorStatusAsync(status, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            OcppLog.StatusSinkFailed(logger, ex, station.StationId);
        }
        return new { };
    }

    private static (string Value, string Type) ReadIdToken(PayloadReader idToken) =>
        (idToken.Text("idToken", 36), idToken.Enum("type", IdTokenTypes));

    private async Task<object> IdTokenInfoAsync((string Value, string Type) token, CancellationToken ct)
    {
        var standing = await store.CheckIdTokenAsync(token.Value, token.Type, ct);
        return new { status = standing.ToString() };
    }

    private async Task<object> AuthorizeAsync(PayloadReader payload, CancellationToken ct) =>
        new { idTokenInfo = await IdTokenInfoAsync(ReadIdToken(payload.Child("idToken")), ct) };

    private async Task<object> TransactionEventAsync(StationConnection station, JsonElement raw, CancellationToken ct)
    {
        var payload = PayloadReader.Root(raw);
        var eventType = Enum.Parse<TransactionEventType>(payload.Enum("eventType", EventTypes));
        var timestamp = payload.Time("timestamp");
        var trigger = payload.Enum("triggerReason", TriggerReasons);
        var seqNo = payload.Number("seqNo", 0);
        var offline = payload.OptionalBool("offline") ?? false;
        var info = payload.Child("transactionInfo");
        var transactionId = info.Text("transactionId", 36);
        var chargingState = info.OptionalEnum("chargingState", ChargingStates);
        var stoppedReason = info.OptionalEnum("stoppedReason", StoppedReasons);
        var remoteStartId = info.OptionalNumber("remoteStartId");
        var evse = payload.OptionalChild("evse");
        var evseId = evse?.Number("id", 0) ?? 0;
        var connectorId = evse?.OptionalNumber("connectorId", 0);
        var token = payload.OptionalChild("idToken") is { } idToken ? ReadIdToken(idToken) : ((string Value, string Type)?)null;
        var energy = MeterReading.EnergyWh(payload.Array("meterValue", 1, required: false));

        // The answer about the token is decided first and stored with the event: whom the transaction may bill follows
        // what the station was told, never the token's text alone.
        var standing = token is { } t ? await store.CheckIdTokenAsync(t.Value, t.Type, ct) : (IdTokenStanding?)null;
        var e = new ChargerTransactionEvent(station.StationId, evseId, connectorId, transactionId, eventType, seqNo, timestamp, trigger,
            chargingState, energy, token?.Value, remoteStartId, stoppedReason, offline)
        {
            IdTokenType = token?.Type,
            IdTokenStatus = standing?.ToString(),
        };
        // Stored before the answer: once the station hears back, it may drop the event from its queue.
        var isNew = await store.StoreTransactionEventAsync(e, raw, time.GetUtcNow(), ct);
        OcppLog.TransactionEventStored(logger, station.StationId, transactionId, eventType.ToString(), seqNo, !isNew);
        if (isNew)
        {
            delivery.Wake();
        }
        return standing is { } answered ? new { idTokenInfo = new { status = answered.ToString() } } : new { };
    }

    private async Task<object> MeterValuesAsync(StationConnection station, JsonElement raw, CancellationToken ct)
    {
        var payload = PayloadReader.Root(raw);
        var evseId = payload.Number("evseId", 0);
        var energy = MeterReading.EnergyWh(payload.Array("meterValue", 1));
        await store.StoreMeterValuesAsync(station.StationId, evseId, energy, raw, time.GetUtcNow(), ct);
        return new { };
    }
}

// The station's energy register from meterValue[].sampledValue[]: measurand Energy.Active.Import.Register
// (the default when a sample names none), total (no phase), converted to Wh; the latest sample wins.
public static class MeterReading
{
    public static long? EnergyWh(IReadOnlyList<PayloadReader> meterValues)
    {
        (DateTimeOffset At, long Wh)? latest = null;
        foreach (var meterValue in meterValues)
        {
            var at = meterValue.Time("timestamp");
            foreach (var sample in meterValue.Array("sampledValue", 1))
            {
                var value = sample.Amount("value");
                var measurand = sample.OptionalText("measurand", 64) ?? "Energy.Active.Import.Register";
                if (measurand != "Energy.Active.Import.Register" || sample.OptionalText("phase", 8) is not null)
                {
                    continue;
                }
                var unit = sample.OptionalChild("unitOfMeasure");
                var unitName = unit?.OptionalText("unit", 20) ?? "Wh";
                var multiplier = unit?.OptionalNumber("multiplier") ?? 0;
                var wh = value * (decimal)Math.Pow(10, multiplier) * (unitName == "kWh" ? 1000m : 1m);
                if (latest is null || at >= latest.Value.At)
                {
                    latest = (at, (long)Math.Round(wh, MidpointRounding.AwayFromZero));
                }
            }
        }
        return latest?.Wh;
    }
}
