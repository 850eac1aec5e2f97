using EasyParkPlus.TemporalServer.Cli;
using Microsoft.AspNetCore.Builder;
using Temporalio.Client;

namespace EasyParkPlus.TemporalServer.Tests.Frontend;

/// <summary>Our server in this test process (real Kestrel, real HTTP/2 on a loopback port), with an SDK client for it.</summary>
public sealed class InProcessServer : IAsyncLifetime
{
    private WebApplication? _app;

    public string Address { get; private set; } = "";
    public TemporalClient Client { get; private set; } = null!;
    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        var (app, address) = await ServerHosting.StartAsync(new ServerOptions { Port = 0, Namespaces = ["default"] });
        _app = app;
        Address = address;
        Client = await TemporalClient.ConnectAsync(new(address) { Namespace = "default" });
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
