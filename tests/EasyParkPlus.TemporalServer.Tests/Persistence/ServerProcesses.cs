using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EasyParkPlus.TestSupport;
using Temporalio.Client;

namespace EasyParkPlus.TemporalServer.Tests.Persistence;

/// <summary>
/// Our server as a real OS process on a PostgreSQL database (<c>server start-dev --store postgres</c>), found the way
/// the SDK's helpers find it (<see cref="TemporalServerExecutable"/>). Disposing kills it.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Address = $"127.0.0.1:{port}";
    }

    public string Address { get; }

    public int Port { get; }

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts a server and returns once it answers GetSystemInfo.</summary>
    public static async Task<ServerProcess> StartAsync(string connectionString, TimeSpan queuePollFallback, int? port = null)
    {
        port ??= FreePort();
        var info = new ProcessStartInfo(TemporalServerExecutable.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "server", "start-dev", "--port", port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "--headless", "--store", "postgres" })
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["TemporalServer__Postgres"] = connectionString;
        info.Environment["TemporalServer__QueuePollFallbackMs"] = ((int)queuePollFallback.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var server = new ServerProcess(Process.Start(info)!, port.Value);
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                var client = await TemporalClient.ConnectAsync(new(server.Address) { Namespace = "default" });
                await client.Connection.WorkflowService.GetSystemInfoAsync(new());
                return server;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !server._process.HasExited)
            {
                await Task.Delay(100);
            }
            catch (Exception e)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"server did not start: {server.Output}", e);
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGKILL, as a crash.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
