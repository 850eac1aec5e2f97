using EasyParkPlus.Data.Parking;
using EasyParkPlus.Data.Seeding;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EasyParkPlus.Data;

public static class DataServiceCollectionExtensions
{
    // Registers one NpgsqlDataSource for the process, the DbContext on it (scoped: a fresh context
    // per activity attempt), SpaceAllocator, and SeedOptions bound from "EasyPark:Seed".
    // Migrating and seeding stay explicit start-up calls (EasyParkDatabase.MigrateAsync,
    // EasyParkSeeder.SeedAsync) so the host decides when they run.
    public static IServiceCollection AddEasyParkData(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddDbContext<EasyParkDbContext>((provider, options) => options.UseNpgsql(provider.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<SpaceAllocator>();
        services.AddOptions<SeedOptions>().BindConfiguration(SeedOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
