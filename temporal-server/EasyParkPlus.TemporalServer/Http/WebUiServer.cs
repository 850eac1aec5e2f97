using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EasyParkPlus.TemporalServer.Http;

/// <summary>
/// The Temporal Web UI on its own port, as <c>temporal server start-dev</c> has it: the built app (static files), the
/// UI server's <c>/api/v1/settings</c> and history download, and Temporal's HTTP API transcoded onto the server's
/// methods, all same-origin. It is a host of its own beside the gRPC one, on HTTP/1.1 (browsers speak no cleartext
/// HTTP/2), so nothing of it can answer on the gRPC port and no UI route can shadow a gRPC method.
/// </summary>
public static class WebUiServer
{
    /// <summary>Builds the UI's host listening on <see cref="WebUiOptions.Ip"/>:<see cref="WebUiOptions.Port"/> (0: any free port).</summary>
    internal static WebApplication Build(WebUiOptions options, IApiMethodInvoker invoker, ILoggerFactory? loggerFactory = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(options.Ip is "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Ip), options.Port,
                listen => listen.Protocols = HttpProtocols.Http1));
        builder.Services.AddSingleton(invoker);
        builder.Services.AddSingleton(HttpApiRoutes.ForTemporal());
        builder.Services.AddSingleton<HttpApiEndpoints>();
        builder.Services.AddSingleton(new WebUiAssets(options.ResolveAssets()));

        var app = builder.Build();
        var settings = UiSettings.For(options);
        app.MapGet("/api/v1/settings", () => TypedResults.Json(settings, UiSettingsJson.Default.UiSettings));
        app.MapGet(RawHistory.Route, (string @namespace, string workflowId, string runId, HttpContext http) =>
            RawHistory.HandleAsync(@namespace, workflowId, runId, invoker, http.RequestAborted));
        app.MapMethods("/api/v1/{**rest}", ["GET", "POST", "PUT", "PATCH", "DELETE"], (HttpApiEndpoints api, HttpContext http) => api.HandleAsync(http));
        app.MapMethods("/{**path}", ["GET", "HEAD"], (WebUiAssets assets, HttpContext http) => assets.Serve(http));
        return app;
    }

    /// <summary>Where a started UI host listens, e.g. http://127.0.0.1:8233/.</summary>
    internal static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
}
