using System.Net;
using EasyParkPlus.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace EasyParkPlus.Api.Tests;

// Readiness must say "not ready" when the database is gone, while liveness keeps saying the process is alive
// (an orchestrator then stops routing traffic instead of restarting the process).
public sealed class ReadinessTests
{
    [Fact]
    public async Task Ready_DatabaseUnreachable_Returns503_WhileLiveStays200()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // Port 1 on loopback: nothing listens there, so every connection attempt is refused at once.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=postgres;Timeout=2",
        });
        builder.AddServiceDefaults();
        await using var app = builder.Build();
        app.MapHealthEndpoints();
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var live = await http.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        await app.StopAsync();
    }
}
