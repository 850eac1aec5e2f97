using System.ComponentModel.DataAnnotations;
using EasyParkPlus.Domain.Subscriptions;

namespace EasyParkPlus.Data.Seeding;

// Bound from "EasyPark:Seed". Counts apply to each launch facility. Seeding only adds what is
// missing, so raising a count later adds spaces or chargers, and lowering it removes nothing.
public sealed class SeedOptions : IValidatableObject
{
    public const string SectionName = "EasyPark:Seed";

    [Range(1, 9)]
    public int LevelsPerFacility { get; set; } = 3;

    [Range(1, 9 * 999)]
    public int SpacesPerFacility { get; set; } = 300;

    [Range(0, 9 * 999)]
    public int EvSpacesPerFacility { get; set; } = 20;

    [Range(0, 9 * 999)]
    public int AccessibleSpacesPerFacility { get; set; } = 12;

    // Station ids are "BOS-CH-01"…"BOS-CH-99".
    [Range(0, 99)]
    public int ChargersPerFacility { get; set; } = 20;

    [Range(1, 1_000)]
    public int ChargerMaxPowerKw { get; set; } = 150;

    [Range(0, 10_000_000)]
    public long AllFacilitiesPassPriceCents { get; set; } = SubscriptionPlans.DefaultAllFacilitiesPrice.Cents;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (EvSpacesPerFacility + AccessibleSpacesPerFacility > SpacesPerFacility)
        {
            yield return new ValidationResult(
                "EV and accessible spaces together cannot exceed the spaces per facility.",
                [nameof(EvSpacesPerFacility), nameof(AccessibleSpacesPerFacility)]);
        }
        if (LevelsPerFacility > SpacesPerFacility)
        {
            yield return new ValidationResult("Every level needs at least one space.", [nameof(LevelsPerFacility)]);
        }
        if (SpacesPerFacility > LevelsPerFacility * 999)
        {
            yield return new ValidationResult("Labels have three digits: at most 999 spaces per level.", [nameof(SpacesPerFacility)]);
        }
    }
}
