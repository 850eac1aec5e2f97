using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.OcppGateway.Devices;
using EasyParkPlus.OcppGateway.Gates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using static EasyParkPlus.OcppGateway.Tests.GatewayDatabaseFixture;

namespace EasyParkPlus.OcppGateway.Tests.Gates;

// Issue 16, point 7: an unexpected failure answers a problem with a correlation id, never a stack trace or a source
// path, in Development too (where ASP.NET Core would otherwise show its developer exception page).
public sealed class GatewayErrorTests(GatewayDatabaseFixture db) : IClassFixture<GatewayDatabaseFixture>
{
    [Fact]
    public async Task PostEvents_StorageFailsInDevelopment_500ProblemWithCorrelationIdAndNoStackTrace()
    {
        // Logins work (the real store), but storing events hits a database that is not there.
        await using var host = await GatewayHost.StartAsync(db.ConnectionString, environment: "Development",
            configureServices: services =>
            {
                services.RemoveAll<GateEventIngest>();
                services.AddSingleton(provider => new GateEventIngest(
                    new GateStore(NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=postgres;Timeout=2")),
                    provider.GetRequiredService<DeviceEventOutbox>(), TimeProvider.System, provider.GetRequiredService<IOptions<GateOptions>>(),
                    NullLogger<GateEventIngest>.Instance));
            });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"gates/{EntryGate}/events")
        {
            Content = JsonContent.Create(new { eventId = "err-1", direction = "entry", plate = "ERR1", timestamp = GatewayHost.Start.ToString("O") }),
            Headers = { Authorization = GatewayHost.Basic(EntryGate, GatePassword) },
        };

        using var response = await host.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        JsonDocument.Parse(body).RootElement.GetProperty("correlationId").GetString().Should().NotBeNullOrEmpty();
        body.Should().NotContain(" at ").And.NotContain(".cs").And.NotContain("Npgsql").And.NotContain("/work/");
    }
}
