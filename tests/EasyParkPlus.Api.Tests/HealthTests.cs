using System.Net;
using EasyParkPlus.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;

namespace EasyParkPlus.Api.Tests;

public sealed class HealthTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Ready_DatabaseReachable_Returns200()
    {
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            b.UseSetting("Postgres:ConnectionString", database.ConnectionString));
        using var client = factory.CreateClient();

        var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"postgres\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ready_DatabaseUnreachable_Returns503_ButLiveStays200()
    {
        // Port 1 on loopback refuses connections at once, so the check fails fast.
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            b.UseSetting("Postgres:ConnectionString", "Host=127.0.0.1;Port=1;Username=nobody;Timeout=2"));
        using var client = factory.CreateClient();

        var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
