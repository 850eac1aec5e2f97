using EasyParkPlus.OcppGateway.Internal;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace EasyParkPlus.OcppGateway.Tests;

/// <summary>A gateway under test listens as in production: devices on one socket, the internal command API on another.</summary>
public sealed record GatewayAddresses(Uri Public, Uri Internal)
{
    /// <summary>Both sockets on free loopback ports (start the factory with <c>UseKestrel()</c>, which then binds them).</summary>
    public static void UseLoopback(IWebHostBuilder web)
    {
        web.UseSetting("urls", "http://127.0.0.1:0");
        web.UseSetting("Gateway:InternalListenUrl", "http://127.0.0.1:0");
    }

    public static GatewayAddresses Of(IServiceProvider services)
    {
        var internalUrl = services.GetRequiredService<InternalListener>().BoundUrl
            ?? throw new InvalidOperationException("The internal command API is not listening.");
        var publicUrl = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a.TrimEnd('/') + "/"))
            .First(a => a.Port != internalUrl.Port);
        return new GatewayAddresses(publicUrl, internalUrl);
    }
}
