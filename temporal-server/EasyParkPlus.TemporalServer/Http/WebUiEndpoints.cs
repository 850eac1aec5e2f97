using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.TemporalServer.Http;

/// <summary>
/// The Temporal Web UI on its own port, as <c>temporal server start-dev</c> has it: the built app (static files),
/// the UI server's <c>/api/v1/settings</c> and history download, and Temporal's HTTP API transcoded onto the server's
/// gRPC methods, all same-origin. Nothing of it answers on the gRPC port.
/// </summary>
public static class WebUiEndpoints
{
    /// <summary>Listens on the UI port too (HTTP/1.1 for browsers, HTTP/2 allowed) and registers what the UI needs.</summary>
    public static WebApplicationBuilder AddTemporalWebUi(this WebApplicationBuilder builder, WebUiOptions options)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Parse(options.Ip), options.Port, listen => listen.Protocols = HttpProtocols.Http1AndHttp2));
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(HttpApiRoutes.ForTemporal());
        builder.Services.AddSingleton<HttpApiEndpoints>();
        builder.Services.AddSingleton(new WebUiAssets(options.ResolveAssets()));
        return builder;
    }

    /// <summary>Maps the UI, its settings and the HTTP API, answering only on the UI port.</summary>
    public static IEndpointConventionBuilder MapTemporalWebUi(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<WebUiOptions>>().Value;
        var settings = UiSettings.For(options);
        var ui = app.MapGroup("").RequireHost($"*:{options.Port}");
        ui.MapGet("/api/v1/settings", () => TypedResults.Json(settings, UiSettingsJson.Default.UiSettings));
        ui.MapGet(RawHistory.Route, (string @namespace, string workflowId, string runId, IApiMethodInvoker invoker, HttpContext http) =>
            RawHistory.HandleAsync(@namespace, workflowId, runId, invoker, http.RequestAborted));
        ui.MapMethods("/api/v1/{**rest}", ["GET", "POST", "PUT", "PATCH", "DELETE"], (HttpApiEndpoints api, HttpContext http) => api.HandleAsync(http));
        ui.MapMethods("/{**path}", ["GET", "HEAD"], (WebUiAssets assets, HttpContext http) => assets.Serve(http))
            .WithOrder(int.MaxValue);
        return ui;
    }
}
