using System.ComponentModel.DataAnnotations;
using EasyParkPlus.Data.Seeding;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Subscriptions;
using Microsoft.EntityFrameworkCore;

namespace EasyParkPlus.Activities.Tests.Data;

public class SeedTests
{
    private const string RowSnapshotSql = """
        SELECT
            (SELECT string_agg(id::text || label || space_type, ',' ORDER BY id) FROM parking.spaces)
         || (SELECT string_agg(id::text || station_id, ',' ORDER BY id) FROM charging.chargers)
         || (SELECT string_agg(id::text || charger_id::text || coalesce(space_id::text, '-'), ',' ORDER BY id) FROM charging.evses)
         || (SELECT string_agg(id::text || evse_id::text, ',' ORDER BY id) FROM charging.connectors)
         || (SELECT string_agg(code || monthly_price_cents, ',' ORDER BY code) FROM billing.subscription_plans)
        """;

    [Fact]
    public async Task SeedAsync_RunTwice_LeavesExactlyTheSameRows()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions());
        var before = await database.ScalarAsync<string>(RowSnapshotSql);
        var counts = await CountsAsync(database);

        await EasyParkSeeder.SeedAsync(database.ConnectionString, new SeedOptions());

        (await database.ScalarAsync<string>(RowSnapshotSql)).Should().Be(before);
        (await CountsAsync(database)).Should().Be(counts);
        counts.Should().Be((2L, 6L, 600L, 40L, 40L, 40L, 3L));
    }

    [Fact]
    public async Task SeedAsync_ThreeProcessesStartingAtOnce_ConvergeOnOneSetOfRows()
    {
        await using var database = await DataTestDatabase.CreateAsync();

        await Task.WhenAll(Enumerable.Range(0, 3).Select(process =>
            Task.Run(() => EasyParkSeeder.SeedAsync($"{database.ConnectionString};Application Name=seed{process}", new SeedOptions()))));

        (await CountsAsync(database)).Should().Be((2L, 6L, 600L, 40L, 40L, 40L, 3L));
    }

    [Fact]
    public async Task SeedAsync_Defaults_LayOutTheLaunchFacilities()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions());
        await using var context = database.CreateContext();

        var boston = await context.Spaces.Where(space => space.FacilityId == FacilityCodes.Boston)
            .GroupBy(space => space.SpaceType).Select(group => new { group.Key, Count = group.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
        boston.Should().Equal(new Dictionary<SpaceType, int> { [SpaceType.Regular] = 268, [SpaceType.Ev] = 20, [SpaceType.Accessible] = 12 });
        var expectedLabels = Enumerable.Range(1, 3).SelectMany(level => Enumerable.Range(1, 100).Select(n => $"L{level}-{n:000}"));
        (await context.Spaces.Where(s => s.FacilityId == FacilityCodes.Philadelphia).Select(s => s.Label).OrderBy(l => l).ToListAsync()).Should().Equal(expectedLabels);

        var chargers = await context.Chargers.Include(c => c.Evses).ThenInclude(e => e.Connectors)
            .Where(c => c.FacilityId == FacilityCodes.Boston).OrderBy(c => c.StationId).ToListAsync();
        chargers.Select(c => c.StationId).Should().Equal(Enumerable.Range(1, 20).Select(n => $"BOS-CH-{n:00}"));
        chargers.Should().AllSatisfy(charger =>
        {
            charger.MaxPowerW.Should().Be(150_000);
            var evse = charger.Evses.Should().ContainSingle().Which;
            evse.EvseNumber.Should().Be(1);
            evse.Connectors.Should().ContainSingle().Which.ConnectorNumber.Should().Be(1);
        });
        var servedSpaces = chargers.Select(c => c.Evses[0].SpaceId).ToList();
        servedSpaces.Distinct().Count().Should().Be(20);
        (await context.Spaces.Where(s => servedSpaces.Contains(s.Id)).AllAsync(s => s.SpaceType == SpaceType.Ev)).Should().BeTrue();

        var plans = await context.SubscriptionPlans.ToDictionaryAsync(plan => plan.Code);
        plans[SubscriptionPlans.BostonMonthly].MonthlyPrice.Should().Be(Money.FromDollars(250));
        plans[SubscriptionPlans.PhiladelphiaMonthly].MonthlyPrice.Should().Be(Money.FromDollars(200));
        (plans[SubscriptionPlans.AllFacilitiesMonthly].MonthlyPrice, plans[SubscriptionPlans.AllFacilitiesMonthly].FacilityId).Should().Be((Money.FromDollars(400), (string?)null));
    }

    [Fact]
    public async Task SeedAsync_ConfiguredAllFacilitiesPriceChanges_UpdatesThePlan()
    {
        await using var database = await DataTestDatabase.CreateAsync(new SeedOptions());

        await EasyParkSeeder.SeedAsync(database.DataSource, new SeedOptions { AllFacilitiesPassPriceCents = 37_500 });

        (await database.ScalarAsync<long>("SELECT monthly_price_cents FROM billing.subscription_plans WHERE code = $1", SubscriptionPlans.AllFacilitiesMonthly)).Should().Be(37_500L);
    }

    [Fact]
    public async Task SeedAsync_MoreEvThanSpaces_IsRejectedBeforeTouchingTheDatabase()
    {
        await using var database = await DataTestDatabase.CreateAsync();

        await FluentActions.Awaiting(() =>
            EasyParkSeeder.SeedAsync(database.DataSource, new SeedOptions { SpacesPerFacility = 10, EvSpacesPerFacility = 11 })).Should().ThrowExactlyAsync<ValidationException>();
        (await database.ScalarAsync<long>("SELECT count(*) FROM parking.facilities")).Should().Be(0L);
    }

    private static async Task<(long, long, long, long, long, long, long)> CountsAsync(DataTestDatabase database) => (
        await database.ScalarAsync<long>("SELECT count(*) FROM parking.facilities"),
        await database.ScalarAsync<long>("SELECT count(*) FROM parking.levels"),
        await database.ScalarAsync<long>("SELECT count(*) FROM parking.spaces"),
        await database.ScalarAsync<long>("SELECT count(*) FROM charging.chargers"),
        await database.ScalarAsync<long>("SELECT count(*) FROM charging.evses"),
        await database.ScalarAsync<long>("SELECT count(*) FROM charging.connectors"),
        await database.ScalarAsync<long>("SELECT count(*) FROM billing.subscription_plans"));
}
