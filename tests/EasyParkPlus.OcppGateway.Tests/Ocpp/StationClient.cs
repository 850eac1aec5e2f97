using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace EasyParkPlus.OcppGateway.Tests.Ocpp;

// A charging station played over a plain ClientWebSocket with raw OCPP-J frames.
public sealed class StationClient(ClientWebSocket socket) : IAsyncDisposable
{
    // As strict stations do: an absent optional field is left out, never sent as null (the schemas refuse null).
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private int _nextId;

    public ClientWebSocket Socket => socket;

    public ConcurrentQueue<string> Sent { get; } = new();

    public Task SendTextAsync(string text)
    {
        Sent.Enqueue(text);
        return socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
    }

    public async Task<JsonElement> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[256 * 1024];
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"The gateway closed the socket: {socket.CloseStatus} {socket.CloseStatusDescription}");
            }
            length += result.Count;
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone();
            }
        }
    }

    // Sends a CALL and returns the whole answer frame ([3, id, payload] or [4, id, code, description, details]).
    public async Task<JsonElement> CallAsync(string action, object payload)
    {
        var id = $"m{Interlocked.Increment(ref _nextId)}";
        await SendTextAsync(JsonSerializer.Serialize(new object[] { 2, id, action, payload }, Json));
        var answer = await ReceiveAsync();
        if (answer[1].GetString() != id)
        {
            throw new InvalidOperationException($"Answer for another message: {answer}");
        }
        return answer;
    }

    public async Task<JsonElement> ResultAsync(string action, object payload)
    {
        var answer = await CallAsync(action, payload);
        return answer[0].GetInt32() == 3 ? answer[2] : throw new InvalidOperationException($"{action} answered {answer}");
    }

    public Task AnswerAsync(string messageId, object payload) => SendTextAsync(JsonSerializer.Serialize(new object[] { 3, messageId, payload }));

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            // The host may already be gone.
        }
        socket.Dispose();
    }
}
