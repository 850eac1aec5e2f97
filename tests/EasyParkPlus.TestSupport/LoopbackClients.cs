using System.Net;
using System.Net.Sockets;

namespace EasyParkPlus.TestSupport;

/// <summary>
/// HTTP clients that connect from another loopback address (127.0.0.x): Linux routes all of 127/8 to lo, so one test can
/// play clients at several addresses against a server on 127.0.0.1, as per-address limits need.
/// </summary>
public static class LoopbackClients
{
    public static SocketsHttpHandler From(string sourceAddress) => new()
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(sourceAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public static HttpClient Client(string sourceAddress, Uri baseAddress) =>
        new(From(sourceAddress)) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
}
