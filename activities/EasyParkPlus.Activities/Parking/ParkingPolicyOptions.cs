using System.ComponentModel.DataAnnotations;

namespace EasyParkPlus.Activities.Parking;

/// <summary>Bound from "Parking": limits the parking workflows apply to money.</summary>
public sealed class ParkingPolicyOptions
{
    public const string Section = "Parking";

    // A stay priced above this is not charged until an operator approves it (issue 16); $500 by default.
    [Range(0, 100_000_000)]
    public long AutoChargeCeilingCents { get; set; } = Workflows.Parking.ParkingSessionSettings.DefaultAutoChargeCeilingCents;
}
