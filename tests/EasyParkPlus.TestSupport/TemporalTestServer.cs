using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Client;

namespace EasyParkPlus.TestSupport;

/// <summary>
/// Our server as a time-skipping test server of one fixture's own (the command line the SDK's StartTimeSkippingAsync
/// uses), waiting up to a minute for it to answer rather than the SDK's fixed 5 s, which a loaded 2-core machine misses.
/// Time is locked: it runs with real time until <see cref="SkipAsync"/> moves it.
/// </summary>
public sealed class TemporalTestServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ITemporalConnection _connection;

    private TemporalTestServer(Process process, ITemporalConnection connection, string address)
    {
        _process = process;
        _connection = connection;
        Address = address;
    }

    /// <summary>host:port of the server's gRPC frontend.</summary>
    public string Address { get; }

    public static async Task<TemporalTestServer> StartAsync()
    {
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo(TemporalServerExecutable.Path) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(port);
        var process = Process.Start(start) ?? throw new InvalidOperationException("The Temporal test server did not start.");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var address = $"127.0.0.1:{port}";
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            try
            {
                return new TemporalTestServer(process, await TemporalConnection.ConnectAsync(new(address)), address);
            }
            catch (Exception e) when (e is InvalidOperationException or Temporalio.Exceptions.RpcException && DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Moves the server's clock forward by <paramref name="span"/>, firing what falls due (UnlockTimeSkippingWithSleep).</summary>
    public Task SkipAsync(TimeSpan span) =>
        _connection.TestService.UnlockTimeSkippingWithSleepAsync(new() { Duration = Duration.FromTimeSpan(span) });

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
