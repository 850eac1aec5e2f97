using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EasyParkPlus.TestSupport;

namespace EasyParkPlus.TemporalServer.Tests.Cli;

/// <summary>The built server binary, started as an operator starts it: <c>server start-dev</c> serves the Web UI beside gRPC.</summary>
public sealed class DevServerProcessTests
{
    [Fact]
    public async Task StartDev_WithAUiPort_PrintsBothAddressesAndServesTheUiAndItsApiThere()
    {
        var (grpcPort, uiPort) = (FreePort(), FreePort());
        var start = new ProcessStartInfo(TemporalServerExecutable.Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "server", "start-dev", "--ip", "127.0.0.1", "--port", $"{grpcPort}", "--ui-port", $"{uiPort}" })
        {
            start.ArgumentList.Add(arg);
        }
        using var server = Process.Start(start)!;
        try
        {
            var printed = new List<string>();
            using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (!printed.Any(l => l.StartsWith("Web UI:", StringComparison.Ordinal)))
            {
                printed.Add(await server.StandardOutput.ReadLineAsync(startup.Token) ?? throw new InvalidOperationException(
                    $"the server ended: {string.Join('\n', printed)}\n{await server.StandardError.ReadToEndAsync()}"));
            }

            printed.Should().Contain([$"Temporal server: 127.0.0.1:{grpcPort}", $"Web UI: http://127.0.0.1:{uiPort}/"]);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{uiPort}/") };
            var settings = JsonDocument.Parse(await http.GetStringAsync("api/v1/settings")).RootElement;
            settings.GetProperty("DefaultNamespace").GetString().Should().Be("default");
            using var list = await http.GetAsync("api/v1/namespaces/default/workflows");
            list.StatusCode.Should().Be(HttpStatusCode.OK, "the HTTP API reaches the server's own dispatch point");
            using var unknown = await http.GetAsync("api/v1/namespaces/nowhere/workflows");
            unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
