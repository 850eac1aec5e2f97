using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Temporalio.Client;

namespace EasyParkPlus.TestSupport;

/// <summary>
/// Our server as `./easypark run` starts it: <c>server start-dev --store postgres</c> (wall clock, the Web UI only when asked) with its
/// state in schema <c>temporal</c> of the database named, as its own OS process. For whole-system tests and drills,
/// whose workflows must outlive the processes that run them; disposing kills it.
/// </summary>
public sealed class TemporalDevServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private TemporalDevServer(Process process, string address, Uri? webUi)
    {
        _process = process;
        Address = address;
        WebUi = webUi;
    }

    /// <summary>host:port of the server's gRPC frontend (TEMPORAL_ADDRESS for the services).</summary>
    public string Address { get; }

    /// <summary>The Web UI and its HTTP API (<c>--ui-port</c>), when started with one.</summary>
    public Uri? WebUi { get; }

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

    /// <summary>
    /// Starts the server on <paramref name="connectionString"/> and returns once it answers GetSystemInfo; with
    /// <paramref name="webUi"/>, it also serves the Web UI (the built temporal-server/ui) on a port of its own.
    /// </summary>
    public static async Task<TemporalDevServer> StartAsync(string connectionString, int? port = null, bool webUi = false)
    {
        var chosen = (port ?? FreePort()).ToString(CultureInfo.InvariantCulture);
        var uiPort = webUi ? FreePort().ToString(CultureInfo.InvariantCulture) : null;
        var info = new ProcessStartInfo(TemporalServerExecutable.Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] ui = uiPort is null ? ["--headless"] : ["--ui-port", uiPort];
        string[] arguments = ["server", "start-dev", "--ip", "127.0.0.1", "--port", chosen, .. ui, "--store", "postgres", "--log-level", "warn"];
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        // In the environment, not on the command line, as the server's README advises.
        info.Environment["TemporalServer__Postgres"] = connectionString;
        var server = new TemporalDevServer(Process.Start(info) ?? throw new InvalidOperationException("The Temporal server did not start."), $"127.0.0.1:{chosen}",
            uiPort is null ? null : new Uri($"http://127.0.0.1:{uiPort}/"));
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
