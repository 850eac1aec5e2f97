using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace EasyParkPlus.TestSupport.Devices;

// A gate controller, played by a plain ClientWebSocket speaking the protocol in ocpp-gateway/.../Gates/README.md.
public sealed class GateClient(ClientWebSocket socket) : IAsyncDisposable
{
    public ClientWebSocket Socket => socket;

    /// <summary>Connects as <paramref name="gateId"/> with HTTP Basic, as a controller does.</summary>
    public static async Task<GateClient> ConnectAsync(Uri socketUri, string gateId, string password)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", Basic(gateId, password).ToString());
        await socket.ConnectAsync(socketUri, CancellationToken.None);
        return new GateClient(socket);
    }

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    public Task SendTextAsync(string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public async Task<JsonElement> ReceiveAsync()
    {
        // A cold api process on a loaded 2-core machine can take most of 30 s to run its first workflow task and activities.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[64 * 1024];
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

    public static object Event(string eventId, string direction, string plate, DateTimeOffset timestamp, string? photoRef = null) =>
        photoRef is null
            ? new { type = "vehicleDetected", eventId, direction, plate, timestamp = timestamp.ToString("O") }
            : new { type = "vehicleDetected", eventId, direction, plate, timestamp = timestamp.ToString("O"), photoRef };

    // Sends an event and returns the gateway's ack.
    public async Task<JsonElement> ReportAsync(string eventId, string direction, string plate, DateTimeOffset timestamp, string? photoRef = null)
    {
        await SendAsync(Event(eventId, direction, plate, timestamp, photoRef));
        return await ReceiveAsync();
    }

    /// <summary>Acknowledges a command the gateway sent (openBarrier, showMessage), as the barrier does once it acted.</summary>
    public Task AcknowledgeAsync(JsonElement command) =>
        SendAsync(new { type = "ack", commandId = command.GetProperty("commandId").GetString(), status = "accepted" });

    public async Task CloseAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CloseAsync();
        }
        catch (WebSocketException)
        {
            // The host may already be gone.
        }
        socket.Dispose();
    }
}
