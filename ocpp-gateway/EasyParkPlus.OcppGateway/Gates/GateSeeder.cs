using System.Globalization;
using EasyParkPlus.Data.Seeding;

namespace EasyParkPlus.OcppGateway.Gates;

public sealed record SeedGate(string Id, string FacilityId, string Lane);

// Development gates: one entry and one exit per launch facility, sharing Gates:DevelopmentPassword.
public static class GateSeeder
{
    public static IReadOnlyList<SeedGate> DevelopmentGates { get; } =
    [
        .. EasyParkSeeder.Facilities.SelectMany(facility => new[]
        {
            new SeedGate(GateId(facility.Code, "IN", 1), facility.Code, "entry"),
            new SeedGate(GateId(facility.Code, "OUT", 1), facility.Code, "exit"),
        }),
    ];

    public static string GateId(string facilityCode, string lane, int number) =>
        string.Create(CultureInfo.InvariantCulture, $"{facilityCode}-GATE-{lane}-{number:00}");

    // Needs the facilities (EasyParkSeeder) first; returns how many gates were new.
    public static async Task<int> SeedAsync(GateStore store, string password, CancellationToken cancellationToken)
    {
        var added = 0;
        foreach (var gate in DevelopmentGates)
        {
            var description = $"Development {gate.Lane} gate";
            if (await store.EnsureGateAsync(gate.Id, gate.FacilityId, gate.Lane, GateAuthenticator.HashSecret(gate.Id, password), description, cancellationToken))
            {
                added++;
            }
        }
        return added;
    }
}
