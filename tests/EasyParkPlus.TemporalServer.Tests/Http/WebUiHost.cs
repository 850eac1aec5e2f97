using EasyParkPlus.TemporalServer.Http;
using Microsoft.AspNetCore.Builder;

namespace EasyParkPlus.TemporalServer.Tests.Http;

/// <summary>
/// The Web UI's endpoints on a real Kestrel listener on a loopback port, over a <see cref="RecordingInvoker"/> and a
/// small built-UI folder of its own (an index.html and one hashed asset), for the transcoder's and the hosting's tests.
/// </summary>
public sealed class WebUiHost : IAsyncLifetime
{
    private WebApplication? _app;

    internal RecordingInvoker Invoker { get; } = new();

    public string Assets { get; } = Path.Combine(Path.GetTempPath(), "easypark-webui-" + Guid.NewGuid().ToString("N"));

    public HttpClient Client { get; } = new();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(Assets, "_app", "immutable", "entry"));
        await File.WriteAllTextAsync(Path.Combine(Assets, "index.html"), "<!doctype html><title>Temporal</title><div id=svelte></div>");
        await File.WriteAllTextAsync(Path.Combine(Assets, "_app", "immutable", "entry", "start.abc123.js"), "export {};");
        await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(Assets)!, "outside-" + Path.GetFileName(Assets) + ".txt"), "secret");

        _app = WebUiServer.Build(new WebUiOptions { Port = 0, AssetsPath = Assets, DefaultNamespace = "default" }, Invoker);
        await _app.StartAsync();
        Client.BaseAddress = WebUiServer.Address(_app);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        Directory.Delete(Assets, recursive: true);
        File.Delete(Path.Combine(Path.GetDirectoryName(Assets)!, "outside-" + Path.GetFileName(Assets) + ".txt"));
    }
}
