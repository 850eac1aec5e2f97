using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EasyParkPlus.TestSupport;
using Temporalio.Client;

namespace EasyParkPlus.TemporalConformance.Tests.Infrastructure;

/// <summary>
/// Our server launched by this process with the command line the SDK's helpers use (the dev server's, or the test
/// server's lone port), waiting up to a minute for it to answer instead of the SDK's fixed 5 s, which a loaded 2-core
/// machine can miss.
/// </summary>
public sealed class OwnServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private OwnServerProcess(Process process, ITemporalClient client)
    {
        _process = process;
        Client = client;
    }

    public ITemporalClient Client { get; }

    /// <summary>As <c>WorkflowEnvironment.StartLocalAsync</c> launches it.</summary>
    public static Task<OwnServerProcess> StartDevServerAsync(IEnumerable<string> extraArguments) =>
        StartAsync(port => ["server", "start-dev", "--port", port, "--namespace", "default", "--ip", "127.0.0.1", "--headless", "--log-level", "warn", .. extraArguments]);

    /// <summary>As <c>WorkflowEnvironment.StartTimeSkippingAsync</c> launches it.</summary>
    public static Task<OwnServerProcess> StartTestServerAsync() => StartAsync(port => [port]);

    private static async Task<OwnServerProcess> StartAsync(Func<string, string[]> arguments)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(TemporalServerExecutable.Path) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments(port.ToString(CultureInfo.InvariantCulture)))
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("the server did not start");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            try
            {
                var client = await TemporalClient.ConnectAsync(new($"127.0.0.1:{port}") { Namespace = "default" });
                return new OwnServerProcess(process, client);
            }
            catch (Exception e) when (e is InvalidOperationException or Temporalio.Exceptions.RpcException && DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(200);
            }
        }
    }

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
