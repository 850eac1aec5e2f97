using EasyParkPlus.OcppGateway.Devices;
using System.Buffers;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using EasyParkPlus.Workflows.Parking;
using Npgsql;

namespace EasyParkPlus.OcppGateway.Gates;

// Runs one controller's WebSocket: reads messages one at a time, persists events before acking
// them, routes command acks, and answers every bad message with an "error" message while keeping
// the connection open. Only the controller closing (or the socket breaking) ends the loop.
public sealed class GateSocketSession(
    GateConnectionRegistry registry,
    GateEventIngest ingest,
    IDeviceOwnership ownership,
    IOptions<GateOptions> options,
    ILogger<GateSocketSession> logger)
{
    public async Task RunAsync(GateRecord gate, WebSocket socket, CancellationToken cancellationToken)
    {
        var connection = new GateConnection(gate.Id, gate.FacilityId, socket);
        if (registry.Add(connection) is { } replaced)
        {
            // The controller reconnected before the old socket timed out: the old one is dead to us.
            replaced.FailPending();
            _ = CloseQuietlyAsync(replaced.Socket, WebSocketCloseStatus.PolicyViolation, "Replaced by a newer connection");
        }
        GatesLog.Connected(logger, gate.Id);
        var maxBytes = options.Value.MaxMessageBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes + 1);
        try
        {
            while (socket.State == WebSocketState.Open && !cancellationToken.IsCancellationRequested)
            {
                var (kind, length, tooLarge) = await ReceiveMessageAsync(socket, buffer, maxBytes, cancellationToken);
                if (kind == WebSocketMessageType.Close)
                {
                    await CloseQuietlyAsync(socket, WebSocketCloseStatus.NormalClosure, "Bye");
                    break;
                }
                if (tooLarge)
                {
                    await ReplyErrorAsync(connection, new(GateErrorCodes.MessageTooLarge, $"Messages are limited to {maxBytes} bytes."), cancellationToken);
                    continue;
                }
                if (kind == WebSocketMessageType.Binary)
                {
                    await ReplyErrorAsync(connection, new(GateErrorCodes.TextOnly, "Send JSON as text messages."), cancellationToken);
                    continue;
                }
                await HandleAsync(gate, connection, buffer.AsMemory(0, length), cancellationToken);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The controller went away or the host is stopping; its buffered events come back on reconnect.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (registry.Remove(connection))
            {
                // Only the current connection releases: a replacement has already claimed the gate.
                await ReleaseQuietlyAsync(gate.Id);
            }
            connection.FailPending();
            connection.Dispose();
            GatesLog.Disconnected(logger, gate.Id);
        }
    }

    private async Task ReleaseQuietlyAsync(string gateId)
    {
        try
        {
            await ownership.ReleaseAsync(DeviceKind.Gate, gateId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // A stale claim only costs one failed forward (answered 503), and the next connect overwrites it.
            GatesLog.MessageFailed(logger, ex, gateId);
        }
    }

    private async Task HandleAsync(GateRecord gate, GateConnection connection, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var inbound = GateProtocol.ParseInbound(message.Span);
        switch (inbound)
        {
            case GateProtocol.Refused refused:
                await ReplyErrorAsync(connection, refused.Error, cancellationToken);
                break;
            case GateProtocol.CommandAcknowledged acknowledged:
                if (!connection.CompleteAck(acknowledged.Ack))
                {
                    GatesLog.UnexpectedAck(logger, gate.Id, acknowledged.Ack.CommandId);
                    await ReplyErrorAsync(connection, new(GateErrorCodes.UnknownCommand,
                        "No command with this id is waiting for an ack (it may have timed out)."), cancellationToken);
                }
                break;
            case GateProtocol.VehicleDetected detected when GateProtocol.CheckLane(gate.Lane, detected.Event.Direction) is { } wrongLane:
                await ReplyErrorAsync(connection, new(GateErrorCodes.WrongDirection, wrongLane, detected.Event.EventId), cancellationToken);
                break;
            case GateProtocol.VehicleDetected detected:
                GateEventStoreResult stored;
                try
                {
                    stored = (await ingest.StoreAsync(gate, [detected.Event], cancellationToken))[0];
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Not persisted, so no ack: the controller keeps the event in its buffer and resends it.
                    GatesLog.MessageFailed(logger, ex, gate.Id);
                    await ReplyErrorAsync(connection, new(GateErrorCodes.Internal, "The event could not be stored; send it again later.",
                        detected.Event.EventId), cancellationToken);
                    break;
                }
                await connection.SendAsync(new GateEventAckMessage(detected.Event.EventId, stored == GateEventStoreResult.Duplicate), cancellationToken);
                break;
        }
    }

    private async Task ReplyErrorAsync(GateConnection connection, GateProtocolError error, CancellationToken cancellationToken)
    {
        GatesLog.InvalidMessage(logger, connection.GateId, error.Code, error.Message);
        await connection.SendAsync(new GateErrorMessage(error.Code, error.Message, error.EventId), cancellationToken);
    }

    // Reads one whole message into buffer; a message over the limit is drained and reported, not kept.
    private static async Task<(WebSocketMessageType Kind, int Length, bool TooLarge)> ReceiveMessageAsync(
        WebSocket socket, byte[] buffer, int maxBytes, CancellationToken cancellationToken)
    {
        var length = 0;
        var tooLarge = false;
        while (true)
        {
            var space = tooLarge ? buffer.AsMemory() : buffer.AsMemory(length, buffer.Length - length);
            var result = await socket.ReceiveAsync(space, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, 0, false);
            }
            if (!tooLarge)
            {
                length += result.Count;
                tooLarge = length > maxBytes;
            }
            if (result.EndOfMessage)
            {
                return (result.MessageType, tooLarge ? 0 : length, tooLarge);
            }
        }
    }

    private static async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status, string description)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(status, description, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Already gone.
        }
    }
}

// Validated events in, persisted and queued for the sink out. Shared by the WebSocket and HTTP paths. Each event's
// device time is judged against its arrival here, once, and the verdict is stored with it.
public sealed class GateEventIngest(GateStore store, DeviceEventOutbox delivery, TimeProvider time, IOptions<GateOptions> options,
    ILogger<GateEventIngest> logger)
{
    public async Task<IReadOnlyList<GateEventStoreResult>> StoreAsync(GateRecord gate, IReadOnlyList<GateEventInput> events, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var clocks = events.Select(e => DeviceClockFlag.Judge(e.Timestamp, now, options.Value.DeviceClockAheadTolerance, options.Value.OfflineBufferHorizon)?.Reason).ToList();
        var results = await store.StoreEventsAsync(gate, events, clocks, now, cancellationToken);
        for (var i = 0; i < events.Count; i++)
        {
            GatesLog.EventStored(logger, gate.Id, events[i].Direction, events[i].Plate, events[i].EventId, results[i] == GateEventStoreResult.Duplicate);
            if (clocks[i] is { } clock && results[i] == GateEventStoreResult.Accepted)
            {
                GatesLog.DeviceClockNotTrusted(logger, gate.Id, events[i].EventId, events[i].Timestamp, now, clock);
            }
        }
        if (results.Contains(GateEventStoreResult.Accepted))
        {
            delivery.Wake();
        }
        return results;
    }
}
