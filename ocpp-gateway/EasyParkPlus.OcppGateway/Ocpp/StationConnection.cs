using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace EasyParkPlus.OcppGateway.Ocpp;

public enum CallOutcomeKind { Answered, Error, Offline, TimedOut }

// What became of one of our CALLs: the station's payload, its CALLERROR, or no answer.
public sealed record CallOutcome(CallOutcomeKind Kind, JsonElement Payload, string? ErrorCode = null, string? ErrorDescription = null);

// One connected station's socket: serialised writes, at most one outstanding CALL of ours (OCPP-J),
// answers matched by messageId, each CALL bounded by the configured timeout on the injected clock.
public sealed class StationConnection(string stationId, string facilityId, WebSocket socket, TimeProvider time, TimeSpan callTimeout) : IDisposable
{
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly SemaphoreSlim _outstanding = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CallOutcome>> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closed = new();

    public string StationId => stationId;

    public string FacilityId => facilityId;

    public WebSocket Socket => socket;

    public bool IsOpen => socket.State == WebSocketState.Open && !_closed.IsCancellationRequested;

    public async Task SendTextAsync(string text, CancellationToken ct)
    {
        await _send.WaitAsync(ct);
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, ct);
        }
        finally
        {
            _send.Release();
        }
    }

    public async Task<CallOutcome> CallAsync(string action, object payload, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(callTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token, _closed.Token);
        try
        {
            // The wait for our previous CALL counts against this call's timeout too.
            await _outstanding.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Failed(timeout.IsCancellationRequested ? CallOutcomeKind.TimedOut : CallOutcomeKind.Offline);
        }
        var messageId = Guid.NewGuid().ToString("N");
        var answer = new TaskCompletionSource<CallOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[messageId] = answer;
        try
        {
            if (!IsOpen)
            {
                return Failed(CallOutcomeKind.Offline);
            }
            try
            {
                await SendTextAsync(OcppFraming.CallText(messageId, action, payload), linked.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
            {
                return Failed(CallOutcomeKind.Offline);
            }
            return await answer.Task.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Failed(timeout.IsCancellationRequested ? CallOutcomeKind.TimedOut : CallOutcomeKind.Offline);
        }
        finally
        {
            _pending.TryRemove(messageId, out _);
            _outstanding.Release();
        }
    }

    // A CALLRESULT/CALLERROR from the station; false when it answers nothing we are waiting for.
    public bool Complete(string messageId, CallOutcome outcome) =>
        _pending.TryRemove(messageId, out var answer) && answer.TrySetResult(outcome);

    public void MarkClosed() => _closed.Cancel();

    // Ends the connection's CALLs. The semaphores and token source are left to the GC on purpose: a CALL
    // still unwinding may touch them after the session ended, and none of them holds a wait handle.
    public void Dispose() => _closed.Cancel();

    private static CallOutcome Failed(CallOutcomeKind kind) => new(kind, default);
}

// The stations connected to this instance. A reconnect replaces (and closes) the previous socket.
public sealed class StationRegistry
{
    private readonly ConcurrentDictionary<string, StationConnection> _connections = new(StringComparer.Ordinal);

    public StationConnection? Find(string stationId) =>
        _connections.TryGetValue(stationId, out var connection) && connection.IsOpen ? connection : null;

    public StationConnection? Register(StationConnection connection)
    {
        StationConnection? previous = null;
        _connections.AddOrUpdate(connection.StationId, connection, (_, old) =>
        {
            previous = old;
            return connection;
        });
        return previous;
    }

    public void Unregister(StationConnection connection) =>
        _connections.TryRemove(new KeyValuePair<string, StationConnection>(connection.StationId, connection));
}
