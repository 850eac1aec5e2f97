using System.Reflection;
using EasyParkPlus.Activities.Hosting;
using EasyParkPlus.ServiceDefaults.Temporal;
using EasyParkPlus.Workflows.Billing;
using EasyParkPlus.Workflows.Charging;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;
using EasyParkPlus.Workflows.Subscriptions;
using EasyParkPlus.Workflows.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.OperatorService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Extensions.Hosting;

namespace EasyParkPlus.Workflows.Tests.Hosting;

// The worker composition root (AddEasyParkWorker) and the Temporal client options every host shares.
[Collection(TimeSkippingCollection.Name)]
public sealed class WorkerCompositionTests(TimeSkippingServer server)
{
    private static readonly Type[] ActivityInterfaces =
        [typeof(IParkingActivities), typeof(IBillingActivities), typeof(IReservationActivities), typeof(IChargingActivities), typeof(ISubscriptionActivities)];

    [Fact]
    public void AddEasyParkWorker_ConfiguredQueue_RegistersTheFourWorkflowsAndAnImplementationOfEveryActivityTheyCall()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Temporal:TaskQueue"] = "easypark-test" });
        var worker = builder.AddEasyParkWorker();
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptionsMonitor<TemporalWorkerServiceOptions>>().Get(worker.ConfigureOptions().Name);

        options.TaskQueue.Should().Be("easypark-test");
        options.Workflows.Select(w => w.Name).Should().BeEquivalentTo(
            nameof(ParkingSession), nameof(Reservation), nameof(ChargingSession), nameof(SubscriptionRenewal));
        var called = ActivityInterfaces.SelectMany(i => i.GetMethods())
            .Select(m => m.GetCustomAttribute<ActivityAttribute>()?.Name).OfType<string>().ToList();
        called.Should().HaveCount(26);
        options.Activities.Select(a => a.Name).Should().BeEquivalentTo(called, "a workflow calls each by the name its interface declares");
    }

    [Fact]
    public async Task RegisterAsync_AgainstOurServer_AddsOnlyWhatIsMissingAndRefusesAClashingType()
    {
        var client = server.Environment.Client;
        var ns = client.Options.Namespace;
        var extra = SearchAttributeKey.CreateKeyword($"PortTest{Guid.NewGuid():N}");

        var first = await SearchAttributeRegistration.RegisterAsync(client, ns, [.. EasyParkSearchAttributes.All, extra]);
        var second = await SearchAttributeRegistration.RegisterAsync(client, ns, [.. EasyParkSearchAttributes.All, extra]);

        first.Should().Equal(extra.Name);
        second.Should().BeEmpty();
        var listed = await client.Connection.OperatorService.ListSearchAttributesAsync(new ListSearchAttributesRequest { Namespace = ns });
        foreach (var key in EasyParkSearchAttributes.All.Append(extra))
        {
            listed.CustomAttributes.Should().Contain(key.Name, IndexedValueType.Keyword);
        }
        var clash = () => SearchAttributeRegistration.RegisterAsync(client, ns, [SearchAttributeKey.CreateLong(EasyParkSearchAttributes.FacilityId.Name)]);
        (await clash.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*FacilityId*Keyword*");
    }

    [Theory]
    [InlineData("localhost:7233", null, null, true)]
    [InlineData("http://localhost:7233", null, null, false)]
    [InlineData("localhost", null, null, false)]
    [InlineData("localhost:70000", null, null, false)]
    [InlineData("my-ns.a1b2c.tmprl.cloud:7233", "/no/such/cert.pem", null, false)]
    public void Validate_Options_AcceptsHostAndPortAndRefusesHalfATlsPair(string address, string? cert, string? key, bool valid)
    {
        var result = new TemporalOptionsValidation().Validate(null, new TemporalOptions { Address = address, ClientCertPath = cert, ClientKeyPath = key });

        result.Succeeded.Should().Be(valid, string.Join("; ", result.Failures ?? []));
    }

    [Fact]
    public void Apply_ApiKey_ConnectsOverTlsWithTheKeyAndTheNamespace()
    {
        var client = new TemporalClientConnectOptions();

        TemporalHosting.Apply(client, new TemporalOptions { Address = "my-ns.a1b2c.tmprl.cloud:7233", Namespace = "my-ns.a1b2c", ApiKey = "key-for-tests" });

        (client.TargetHost, client.Namespace, client.ApiKey).Should().Be(("my-ns.a1b2c.tmprl.cloud:7233", "my-ns.a1b2c", "key-for-tests"));
        client.Tls.Should().NotBeNull();
    }
}
