using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace EasyParkPlus.Bench.Gateway;

/// <summary>What the stations saw, shared by all of them.</summary>
internal sealed class StationStats
{
    public ConcurrentDictionary<string, ConcurrentBag<double>> RoundTrips { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> CallErrors { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> IncomingCalls { get; } = new(StringComparer.Ordinal);

    // Every TransactionEvent sent, by its dedupe id (station/transaction/seqNo): wall-clock time just before the send.
    public ConcurrentDictionary<string, SentTransactionEvent> TransactionEvents { get; } = new(StringComparer.Ordinal);

    public int Sent;
    public int Answered;
    public int TimedOut;
    public int ConnectFailures;
    public int Disconnects;

    public void AddRoundTrip(string action, double ms) => RoundTrips.GetOrAdd(action, _ => []).Add(ms);

    public void AddCallError(string action, string code) => CallErrors.AddOrUpdate($"{action} {code}", 1, (_, n) => n + 1);
}

internal sealed record SentTransactionEvent(string EventType, DateTimeOffset SentAt, bool Accepted, bool WarmUp);

/// <summary>The timing every station follows; offsets spread the stations evenly over each interval.</summary>
internal sealed record StationPlan(Uri GatewayUrl, string Password, TimeSpan Duration,
    TimeSpan HeartbeatInterval, TimeSpan MeterInterval, TimeSpan CallTimeout, bool MeterValuesMessages);

/// <summary>
/// One simulated OCPP 2.0.1 charging station over a ClientWebSocket (subprotocol ocpp2.0.1, HTTP Basic). After
/// BootNotification it waits for the load to start, begins a transaction (TransactionEvent Started), sends a
/// TransactionEvent Updated with the energy register every meter interval and a Heartbeat every heartbeat interval,
/// then ends the transaction. At most one CALL of its own is outstanding; CALLs from the CSMS (charging profiles from
/// the power budget, say) are answered as a real station would.
/// </summary>
internal sealed class SimulatedStation(string stationId, int index, int count, StationPlan plan, StationStats stats) : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _send = new(1, 1);
    private string _transactionId = Guid.NewGuid().ToString("N");
    private bool _warmingUp;
    private TaskCompletionSource<JsonElement?>? _pending;
    private string? _pendingId;
    private Task? _receiving;
    private int _messageId;
    private int _seqNo;
    private long _energyWh = 1_000;

    public string StationId => stationId;

    public async Task<bool> ConnectAsync(CancellationToken ct)
    {
        _socket.Options.AddSubProtocol("ocpp2.0.1");
        var login = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{stationId}:{plan.Password}"));
        _socket.Options.SetRequestHeader("Authorization", "Basic " + login);
        try
        {
            await _socket.ConnectAsync(new Uri(plan.GatewayUrl, "ocpp/" + stationId), ct);
        }
        catch (WebSocketException)
        {
            Interlocked.Increment(ref stats.ConnectFailures);
            return false;
        }
        _receiving = Task.Run(() => ReceiveAsync(CancellationToken.None), CancellationToken.None);
        var boot = await CallAsync("BootNotification", new { reason = "PowerUp", chargingStation = new { model = "BenchSim-150", vendorName = "EasyParkBench" } }, ct);
        await CallAsync("StatusNotification", new { timestamp = Now(), connectorStatus = "Available", evseId = 1, connectorId = 1 }, ct);
        return boot is { } answer && answer.GetProperty("status").GetString() == "Accepted";
    }

    // One short transaction before the measured load, so the gateway's first signal-with-starts (JIT, the EF model)
    // are not counted as its steady state.
    public async Task WarmUpAsync(CancellationToken ct)
    {
        _warmingUp = true;
        await TransactionEventAsync("Started", "Authorized", ct);
        await TransactionEventAsync("Updated", "MeterValuePeriodic", ct);
        await TransactionEventAsync("Ended", "EVDeparted", ct);
        _warmingUp = false;
        _transactionId = Guid.NewGuid().ToString("N");
        _seqNo = 0;
    }

    public async Task RunAsync(DateTimeOffset loadStart, CancellationToken ct)
    {
        // Starts spread over one meter interval, heartbeats over one heartbeat interval, so the load is even.
        var transactionStart = loadStart + plan.MeterInterval * index / count;
        var nextHeartbeat = loadStart + plan.HeartbeatInterval * index / count;
        var end = loadStart + plan.Duration;
        await WaitUntilAsync(transactionStart, ct);
        await CallAsync("StatusNotification", new { timestamp = Now(), connectorStatus = "Occupied", evseId = 1, connectorId = 1 }, ct);
        await TransactionEventAsync("Started", "Authorized", ct);
        var nextMeter = transactionStart + plan.MeterInterval;
        while (true)
        {
            var next = nextMeter < nextHeartbeat ? nextMeter : nextHeartbeat;
            if (next >= end || _socket.State != WebSocketState.Open)
            {
                break;
            }
            await WaitUntilAsync(next, ct);
            if (next == nextMeter)
            {
                _energyWh += 150_000 * (long)plan.MeterInterval.TotalSeconds / 3600;
                await TransactionEventAsync("Updated", "MeterValuePeriodic", ct);
                if (plan.MeterValuesMessages)
                {
                    await CallAsync("MeterValues", new { evseId = 1, meterValue = MeterValue() }, ct);
                }
                nextMeter += plan.MeterInterval;
            }
            else
            {
                await CallAsync("Heartbeat", new { }, ct);
                nextHeartbeat += plan.HeartbeatInterval;
            }
        }
        await WaitUntilAsync(end + plan.MeterInterval * index / count, ct);
        await TransactionEventAsync("Ended", "EVDeparted", ct);
        await CallAsync("StatusNotification", new { timestamp = Now(), connectorStatus = "Available", evseId = 1, connectorId = 1 }, ct);
    }

    private async Task TransactionEventAsync(string eventType, string trigger, CancellationToken ct)
    {
        var seqNo = _seqNo++;
        var payload = new Dictionary<string, object>
        {
            ["eventType"] = eventType,
            ["timestamp"] = Now(),
            ["triggerReason"] = trigger,
            ["seqNo"] = seqNo,
            ["transactionInfo"] = eventType == "Ended"
                ? new { transactionId = _transactionId, chargingState = "EVConnected", stoppedReason = (string?)"EVDisconnected" }
                : new { transactionId = _transactionId, chargingState = "Charging", stoppedReason = (string?)null },
            ["evse"] = new { id = 1, connectorId = 1 },
            ["meterValue"] = MeterValue(),
        };
        if (eventType == "Started")
        {
            payload["idToken"] = new { idToken = "BENCH" + index.ToString("D5", CultureInfo.InvariantCulture), type = "ISO14443" };
        }
        var dedupeId = $"{stationId}/{_transactionId}/{seqNo}";
        var answer = await CallAsync("TransactionEvent", payload, ct, sentAt => stats.TransactionEvents[dedupeId] = new(eventType, sentAt, false, _warmingUp));
        if (answer is not null)
        {
            stats.TransactionEvents[dedupeId] = stats.TransactionEvents[dedupeId] with { Accepted = true };
        }
    }

    private object[] MeterValue() =>
    [
        new { timestamp = Now(), sampledValue = new[] { new { value = _energyWh, measurand = "Energy.Active.Import.Register", unitOfMeasure = new { unit = "Wh" } } } },
    ];

    // Sends one CALL and waits for its answer; null on CALLERROR, timeout or a closed socket (all counted).
    private async Task<JsonElement?> CallAsync(string action, object payload, CancellationToken ct, Action<DateTimeOffset>? sending = null)
    {
        var id = (++_messageId).ToString(CultureInfo.InvariantCulture);
        var answer = new TaskCompletionSource<JsonElement?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingId = id;
        _pending = answer;
        var text = JsonSerializer.Serialize(new object[] { 2, id, action, payload }, JsonOptions);
        var started = Stopwatch.GetTimestamp();
        sending?.Invoke(DateTimeOffset.UtcNow);
        Interlocked.Increment(ref stats.Sent);
        try
        {
            await SendAsync(text, ct);
            var result = await answer.Task.WaitAsync(plan.CallTimeout, ct);
            stats.AddRoundTrip(action, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (result is not null)
            {
                Interlocked.Increment(ref stats.Answered);
            }
            else
            {
                stats.AddCallError(action, _lastErrorCode ?? "?");
            }
            return result;
        }
        catch (TimeoutException)
        {
            Interlocked.Increment(ref stats.TimedOut);
            stats.AddCallError(action, "timeout");
            return null;
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            stats.AddCallError(action, "socket closed");
            return null;
        }
    }

    private string? _lastErrorCode;

    private async Task SendAsync(string text, CancellationToken ct)
    {
        await _send.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, ct);
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task ReceiveAsync(CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                buffer.ResetWrittenCount();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.GetMemory(4096), ct);
                    buffer.Advance(result.Count);
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                await HandleAsync(JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone(), ct);
            }
        }
        catch (WebSocketException)
        {
            // Counted below.
        }
        if (!_closing)
        {
            Interlocked.Increment(ref stats.Disconnects);
        }
        _pending?.TrySetException(new WebSocketException("The gateway closed the connection."));
    }

    private async Task HandleAsync(JsonElement frame, CancellationToken ct)
    {
        var type = frame[0].GetInt32();
        var id = frame[1].GetString();
        if (type == 2)
        {
            // A CALL from the CSMS: accept charging profiles (the power budget's pushes), refuse what a bench station cannot do.
            var action = frame[2].GetString() ?? "";
            stats.IncomingCalls.AddOrUpdate(action, 1, (_, n) => n + 1);
            var reply = action is "SetChargingProfile" or "ClearChargingProfile" or "ChangeAvailability" or "TriggerMessage"
                ? JsonSerializer.Serialize(new object[] { 3, id!, new { status = "Accepted" } })
                : JsonSerializer.Serialize(new object[] { 4, id!, "NotSupported", $"The bench station does not do {action}.", new { } });
            await SendAsync(reply, ct);
            return;
        }
        if (id != _pendingId || _pending is not { } pending)
        {
            return;
        }
        if (type == 3)
        {
            pending.TrySetResult(frame[2]);
        }
        else
        {
            _lastErrorCode = frame[2].GetString();
            pending.TrySetResult(null);
        }
    }

    private bool _closing;

    private static readonly JsonSerializerOptions JsonOptions = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static async Task WaitUntilAsync(DateTimeOffset due, CancellationToken ct)
    {
        var wait = due - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bench done", timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // Closing is best effort at the end of the run.
        }
        if (_receiving is not null)
        {
            await _receiving.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        _socket.Dispose();
        _send.Dispose();
    }
}
