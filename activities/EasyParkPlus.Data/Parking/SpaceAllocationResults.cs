using EasyParkPlus.Domain;

namespace EasyParkPlus.Data.Parking;

public enum SpaceAllocationOutcome
{
    Allocated,
    Full,
}

// Plain records with an enum, so activities can hand them to workflows as they are.
public sealed record SpaceAllocation(SpaceAllocationOutcome Outcome, Guid? SpaceId, string? SpaceLabel, string? DenialReason)
{
    public bool IsAllocated => Outcome == SpaceAllocationOutcome.Allocated;

    public static SpaceAllocation Allocated(Guid spaceId, string label) => new(SpaceAllocationOutcome.Allocated, spaceId, label, null);

    public static SpaceAllocation Full(string reason) => new(SpaceAllocationOutcome.Full, null, null, reason);
}

public enum CapacityHoldOutcome
{
    Held,
    Full,

    // The reservation's hold was released earlier (cancelled or no-show); holds are never reused.
    Released,
}

public sealed record CapacityHoldResult(CapacityHoldOutcome Outcome, string? DenialReason)
{
    public bool IsHeld => Outcome == CapacityHoldOutcome.Held;
}

public enum HoldPromotionOutcome
{
    Promoted,
    NoSpaceAvailable,
    HoldNotFound,
    HoldReleased,
}

public sealed record HoldPromotion(HoldPromotionOutcome Outcome, Guid? SpaceId, string? SpaceLabel)
{
    public bool IsPromoted => Outcome == HoldPromotionOutcome.Promoted;
}

// Live counts for one space type. `Available` is what a driver arriving now can get: free spaces
// minus the capacity held for reservations whose slot is in effect.
public sealed record SpaceAvailability(SpaceType SpaceType, int Total, int Available, int Occupied, int Reserved, int Maintenance, int HeldForReservations);
