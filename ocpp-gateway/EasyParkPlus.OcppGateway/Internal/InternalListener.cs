using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EasyParkPlus.OcppGateway.Internal;

/// <summary>
/// The gateway listens on two kinds of sockets: the public ones for chargers and gates (ASPNETCORE_URLS) and one for
/// the internal command API (<see cref="GatewayOptions.InternalListenUrl"/>), so the command API can sit on a network
/// the devices never reach. Connections accepted on the internal socket are marked; <see cref="Separate"/> serves
/// /internal only there and the device endpoints only on the public sockets. A Host header cannot fake the mark.
/// </summary>
public sealed partial class InternalListener(ILogger<InternalListener> logger)
{
    private const string Marker = "EasyParkPlus.InternalListener";
    private ListenOptions? _listen;
    private string _scheme = "http";

    /// <summary>Binds the public addresses (urls / http_ports, as Kestrel would) and the internal one, marked.</summary>
    public static void Configure(KestrelServerOptions kestrel, IConfiguration configuration)
    {
        var listener = kestrel.ApplicationServices.GetRequiredService<InternalListener>();
        var internalUrl = configuration[$"{GatewayOptions.SectionName}:{nameof(GatewayOptions.InternalListenUrl)}"] is { Length: > 0 } configured
            ? configured
            : GatewayOptions.DefaultInternalListenUrl;
        foreach (var url in PublicUrls(configuration))
        {
            Listen(kestrel, url, _ => { });
        }
        Listen(kestrel, internalUrl, options =>
        {
            listener._listen = options;
            options.Use(next => connection =>
            {
                connection.Items[Marker] = true;
                return next(connection);
            });
        });
        listener._scheme = BindingAddress.Parse(internalUrl).Scheme;
    }

    public static bool IsInternal(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(Marker) == true;

    /// <summary>Where this instance's internal command API can be called, once the server has bound its socket.</summary>
    public Uri? BoundUrl => _listen?.IPEndPoint is { } endPoint
        ? new Uri($"{_scheme}://{Reachable(endPoint)}/")
        : null;

    /// <summary>404 for /internal on a device socket and for anything but /internal on the internal one (health on both).</summary>
    public static async Task Separate(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/health") || path.StartsWithSegments("/internal") == IsInternal(context))
        {
            await next(context);
            return;
        }
        await TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found").ExecuteAsync(context);
    }

    /// <summary>Says where the internal API listens, so the operator (and a test starting the process) can find it.</summary>
    public void LogBound()
    {
        if (BoundUrl is { } url)
        {
            LogListening(logger, url);
        }
    }

    private static IEnumerable<string> PublicUrls(IConfiguration configuration)
    {
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        if (configuration["http_ports"] is { Length: > 0 } ports)
        {
            return ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}");
        }
        return ["http://localhost:5000"];
    }

    private static void Listen(KestrelServerOptions kestrel, string url, Action<ListenOptions> configure)
    {
        var address = BindingAddress.Parse(url);
        var withScheme = address.Scheme == "https" ? WithHttps(configure) : configure;
        var host = address.Host.Trim('[', ']');
        if (address.IsUnixPipe)
        {
            kestrel.ListenUnixSocket(address.UnixPipePath, withScheme);
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(address.Port, withScheme);
        }
        else if (IPAddress.TryParse(host, out var ip))
        {
            kestrel.Listen(ip, address.Port, withScheme);
        }
        else
        {
            // "*", "+" or a host name: every interface, as Kestrel itself treats them.
            kestrel.ListenAnyIP(address.Port, withScheme);
        }
    }

    private static Action<ListenOptions> WithHttps(Action<ListenOptions> configure) => options =>
    {
        configure(options);
        options.UseHttps();
    };

    // A wildcard listen address is not something another instance can call.
    private static string Reachable(IPEndPoint endPoint) =>
        endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any)
            ? $"127.0.0.1:{endPoint.Port}"
            : endPoint.ToString();

    [LoggerMessage(EventId = 5200, Level = LogLevel.Information, Message = "Internal command API listening on: {Url}")]
    private static partial void LogListening(ILogger logger, Uri url);
}
