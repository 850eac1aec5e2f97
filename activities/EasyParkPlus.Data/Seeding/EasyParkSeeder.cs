using System.ComponentModel.DataAnnotations;
using System.Globalization;
using EasyParkPlus.Data.Storage;
using EasyParkPlus.Domain;
using EasyParkPlus.Domain.Subscriptions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EasyParkPlus.Data.Seeding;

// Seeds the launch facilities (levels, spaces, chargers with one EVSE and one connector each) and
// the subscription plans. Every insert is keyed by a natural key with ON CONFLICT DO NOTHING, so
// running it on every start, or from two processes at once, converges on the same rows. Plan
// prices are the exception: configuration wins, so they are updated.
public static class EasyParkSeeder
{
    public const string ConnectorType = "cCCS1";

    public static IReadOnlyList<LaunchFacility> Facilities { get; } =
    [
        new(FacilityCodes.Boston, "EasyParkPlus Boston Seaport", "Boston", "America/New_York", "200 Seaport Blvd, Boston, MA 02210"),
        new(FacilityCodes.Philadelphia, "EasyParkPlus Philadelphia Center City", "Philadelphia", "America/New_York", "1500 Market St, Philadelphia, PA 19102"),
    ];

    public static async Task SeedAsync(string connectionString, SeedOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await SeedAsync(dataSource, options, logger, cancellationToken);
    }

    public static async Task SeedAsync(NpgsqlDataSource dataSource, SeedOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var facility in Facilities)
        {
            await SeedFacilityAsync(connection, transaction, facility, options, cancellationToken);
        }
        await SeedPlansAsync(connection, transaction, Money.FromCents(options.AllFacilitiesPassPriceCents), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Log.Seeded(logger ?? NullLogger.Instance, Facilities.Count, options.SpacesPerFacility, options.ChargersPerFacility);
    }

    // Spaces are spread evenly over the levels and numbered per level ("L2-017"). Accessible
    // spaces come first and EV spaces next, so both sit on the ground level near the entrance
    // and the chargers' power supply; the EVSE of charger n serves the n-th EV space.
    public static IReadOnlyList<SeedSpace> SpaceLayout(SeedOptions options)
    {
        var spaces = new List<SeedSpace>(options.SpacesPerFacility);
        var perLevel = options.SpacesPerFacility / options.LevelsPerFacility;
        var remainder = options.SpacesPerFacility % options.LevelsPerFacility;
        for (var level = 1; level <= options.LevelsPerFacility; level++)
        {
            var count = perLevel + (level <= remainder ? 1 : 0);
            for (var position = 1; position <= count; position++)
            {
                var index = spaces.Count;
                var type = index < options.AccessibleSpacesPerFacility ? SpaceType.Accessible
                    : index < options.AccessibleSpacesPerFacility + options.EvSpacesPerFacility ? SpaceType.Ev
                    : SpaceType.Regular;
                spaces.Add(new SeedSpace(level, string.Create(CultureInfo.InvariantCulture, $"L{level}-{position:000}"), type));
            }
        }
        return spaces;
    }

    public static string StationId(string facilityCode, int number) =>
        string.Create(CultureInfo.InvariantCulture, $"{facilityCode}-CH-{number:00}");

    private static async Task SeedFacilityAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LaunchFacility facility, SeedOptions options, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction, """
            INSERT INTO parking.facilities (id, name, city, time_zone, address) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (id) DO NOTHING
            """, cancellationToken, facility.Code, facility.Name, facility.City, facility.TimeZone, facility.Address);

        var levels = Enumerable.Range(1, options.LevelsPerFacility).ToArray();
        await ExecuteAsync(connection, transaction, """
            INSERT INTO parking.levels (facility_id, number, name)
            SELECT $1, number, 'Level ' || number FROM unnest($2::integer[]) AS number
            ON CONFLICT (facility_id, number) DO NOTHING
            """, cancellationToken, facility.Code, levels);

        var layout = SpaceLayout(options);
        await ExecuteAsync(connection, transaction, """
            INSERT INTO parking.spaces (facility_id, level_id, label, space_type)
            SELECT $1, l.id, s.label, s.space_type
            FROM unnest($2::integer[], $3::text[], $4::text[]) AS s (level_number, label, space_type)
            JOIN parking.levels l ON l.facility_id = $1 AND l.number = s.level_number
            ORDER BY s.label
            ON CONFLICT (facility_id, label) DO NOTHING
            """, cancellationToken, facility.Code,
            layout.Select(space => space.Level).ToArray(),
            layout.Select(space => space.Label).ToArray(),
            layout.Select(space => EnumText.ToText(space.SpaceType)).ToArray());

        var stations = Enumerable.Range(1, options.ChargersPerFacility).Select(number => StationId(facility.Code, number)).ToArray();
        var evLabels = layout.Where(space => space.SpaceType == SpaceType.Ev).Select(space => space.Label).ToList();
        var servedLabels = stations.Select((_, index) => index < evLabels.Count ? evLabels[index] : null).ToArray();
        var maxPowerW = options.ChargerMaxPowerKw * 1000;
        await ExecuteAsync(connection, transaction, """
            INSERT INTO charging.chargers (station_id, facility_id, max_power_w)
            SELECT station_id, $1, $3 FROM unnest($2::text[]) AS station_id ORDER BY station_id
            ON CONFLICT (station_id) DO NOTHING
            """, cancellationToken, facility.Code, stations, maxPowerW);
        await ExecuteAsync(connection, transaction, """
            INSERT INTO charging.evses (charger_id, evse_number, max_power_w, space_id)
            SELECT c.id, 1, c.max_power_w, sp.id
            FROM unnest($2::text[], $3::text[]) AS s (station_id, space_label)
            JOIN charging.chargers c ON c.station_id = s.station_id
            LEFT JOIN parking.spaces sp ON sp.facility_id = $1 AND sp.label = s.space_label
            ORDER BY s.station_id
            ON CONFLICT (charger_id, evse_number) DO NOTHING
            """, cancellationToken, facility.Code, stations, servedLabels);
        await ExecuteAsync(connection, transaction, """
            INSERT INTO charging.connectors (evse_id, connector_number, connector_type)
            SELECT e.id, 1, $2
            FROM charging.chargers c JOIN charging.evses e ON e.charger_id = c.id AND e.evse_number = 1
            WHERE c.station_id = ANY($1::text[])
            ORDER BY c.station_id
            ON CONFLICT (evse_id, connector_number) DO NOTHING
            """, cancellationToken, stations, ConnectorType);
    }

    private static async Task SeedPlansAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Money allFacilitiesPrice, CancellationToken cancellationToken)
    {
        var plans = SubscriptionPlans.Defaults(allFacilitiesPrice);
        await ExecuteAsync(connection, transaction, """
            INSERT INTO billing.subscription_plans (code, name, facility_id, monthly_price_cents)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
            ON CONFLICT (code) DO UPDATE SET
                name = EXCLUDED.name, facility_id = EXCLUDED.facility_id, monthly_price_cents = EXCLUDED.monthly_price_cents
            WHERE (subscription_plans.name, subscription_plans.facility_id, subscription_plans.monthly_price_cents)
                IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.facility_id, EXCLUDED.monthly_price_cents)
            """, cancellationToken,
            plans.Select(plan => plan.Code).ToArray(),
            plans.Select(plan => plan.Name).ToArray(),
            plans.Select(plan => plan.FacilityCode).ToArray(),
            plans.Select(plan => plan.MonthlyPrice.Cents).ToArray());
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

public sealed record LaunchFacility(string Code, string Name, string City, string TimeZone, string Address);

public sealed record SeedSpace(int Level, string Label, SpaceType SpaceType);
