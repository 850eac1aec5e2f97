using System.Net;
using EasyParkPlus.Api.Tests.Support;

namespace EasyParkPlus.Api.Tests;

public sealed class HealthTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Ready_DatabaseReachable_Returns200()
    {
        using var client = api.CreateClient();

        var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"postgres\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Live_Returns200()
    {
        using var client = api.CreateClient();

        var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
