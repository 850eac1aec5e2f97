using EasyParkPlus.Data;
using EasyParkPlus.Data.Parking;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Activities.Tests.Data;

public class DataRegistrationTests
{
    [Fact]
    public async Task AddEasyParkData_ResolvesTheContextTheAllocatorAndBoundSeedOptions()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions { ChargersPerFacility = 2 });
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"{SeedOptions.SectionName}:ChargersPerFacility"] = "7" })
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddEasyParkData(database.ConnectionString);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        await using var scope = provider.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<EasyParkDbContext>();
        var allocation = await provider.GetRequiredService<SpaceAllocator>()
            .AllocateAsync(FacilityCodes.Boston, SpaceType.Ev, Guid.NewGuid(), DateTimeOffset.UnixEpoch);

        (await context.Chargers.CountAsync()).Should().Be(4);
        allocation.IsAllocated.Should().BeTrue();
        (provider.GetRequiredService<IOptions<SeedOptions>>().Value.ChargersPerFacility).Should().Be(7);
    }
}
