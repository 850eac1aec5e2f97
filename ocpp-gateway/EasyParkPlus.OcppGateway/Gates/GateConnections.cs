using System.Collections.Concurrent;
using System.Net.WebSockets;

namespace EasyParkPlus.OcppGateway.Gates;

// One controller's live WebSocket: serialises writes (a WebSocket allows one send at a time) and
// matches command acks to the commands waiting for them.
public sealed class GateConnection(string gateId, string facilityId, WebSocket socket) : IDisposable
{
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<GateCommandAck>> _pending = new(StringComparer.Ordinal);

    public string GateId => gateId;

    public string FacilityId => facilityId;

    public WebSocket Socket => socket;

    public async Task SendAsync(GateOutboundMessage message, CancellationToken cancellationToken)
    {
        var bytes = GateProtocol.Serialize(message);
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public Task<GateCommandAck> ExpectAck(string commandId)
    {
        var completion = new TaskCompletionSource<GateCommandAck>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[commandId] = completion;
        return completion.Task;
    }

    public void ForgetAck(string commandId) => _pending.TryRemove(commandId, out _);

    // False when nothing waits for this command id (a late ack after a timeout, or a made-up id).
    public bool CompleteAck(GateCommandAck ack)
    {
        return _pending.TryRemove(ack.CommandId, out var completion) && completion.TrySetResult(ack);
    }

    public void Dispose() => _sendLock.Dispose();

    // The socket is gone: every waiting command fails as "offline" at once instead of timing out.
    public void FailPending()
    {
        foreach (var commandId in _pending.Keys)
        {
            if (_pending.TryRemove(commandId, out var completion))
            {
                completion.TrySetException(new GateOfflineException(gateId));
            }
        }
    }
}

public sealed class GateOfflineException(string gateId) : Exception($"Gate {gateId} is not connected.");

// The gates connected to this instance. A controller that reconnects replaces its old socket.
public sealed class GateConnectionRegistry
{
    private readonly ConcurrentDictionary<string, GateConnection> _connections = new(StringComparer.Ordinal);

    public int Count => _connections.Count;

    public GateConnection? Find(string gateId) => _connections.TryGetValue(gateId, out var connection) ? connection : null;

    // Returns the connection this one replaces, which the caller closes.
    public GateConnection? Add(GateConnection connection)
    {
        GateConnection? previous = null;
        _connections.AddOrUpdate(connection.GateId, connection, (_, existing) =>
        {
            previous = existing;
            return connection;
        });
        return previous;
    }

    // Removes the entry only if it is still this connection (a replacement may have taken its place).
    public bool Remove(GateConnection connection) =>
        _connections.TryRemove(new KeyValuePair<string, GateConnection>(connection.GateId, connection));
}
