using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Temporalio.Client;

namespace EasyParkPlus.TestSupport;

/// <summary>
/// Our server as `./easypark run` starts it: <c>server start-dev --store postgres</c> (wall clock, no Web UI) with its
/// state in schema <c>temporal</c> of the database named, as its own OS process. For whole-system tests and drills,
/// whose workflows must outlive the processes that run them; disposing kills it.
/// </summary>
public sealed class TemporalDevServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private TemporalDevServer(Process process, string address)
    {
        _process = process;
        Address = address;
    }

    /// <summary>host:port of the server's gRPC frontend (TEMPORAL_ADDRESS for the services).</summary>
    public string Address { get; }

    /// <summary>Everything the server wrote so far, for failure messages.</summary>
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

    /// <summary>Starts the server on <paramref name="connectionString"/> and returns once it answers GetSystemInfo.</summary>
    public static async Task<TemporalDevServer> StartAsync(string connectionString, int? port = null)
    {
        var chosen = (port ?? FreePort()).ToString(CultureInfo.InvariantCulture);
        var info = new ProcessStartInfo(TemporalServerExecutable.Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "server", "start-dev", "--ip", "127.0.0.1", "--port", chosen, "--headless", "--store", "postgres", "--log-level", "warn" })
        {
            info.ArgumentList.Add(argument);
        }
        // In the environment, not on the command line, as the server's README advises.
        info.Environment["TemporalServer__Postgres"] = connectionString;
        var server = new TemporalDevServer(Process.Start(info) ?? throw new InvalidOperationException("The Temporal server did not start."), $"127.0.0.1:{chosen}");
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        // Generous: a cold start on a loaded 2-core machine migrates its schema first.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            try
            {
                var connection = await TemporalConnection.ConnectAsync(new(server.Address));
                await connection.WorkflowService.GetSystemInfoAsync(new());
                return server;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !server._process.HasExited)
            {
                await Task.Delay(200);
            }
            catch (Exception e)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"The Temporal server did not answer:\n{server.Output}", e);
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
