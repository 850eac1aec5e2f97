namespace EasyParkPlus.OcppGateway.Ocpp;

public sealed record PowerDemand(string SessionId, int RequestedW);

// Splits a facility's budget between its sessions: every session gets an equal share, capped at what
// it asked for, and what a capped session leaves over is shared by the others (water filling).
// Integer watts rounded down, so the sum never exceeds the budget.
public static class PowerAllocation
{
    public static IReadOnlyDictionary<string, int> Allocate(int budgetW, IReadOnlyList<PowerDemand> demands)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budgetW);
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        long remaining = budgetW;
        // Smallest requests first: once they are satisfied, the rest share what is left equally.
        var ordered = demands.OrderBy(d => d.RequestedW).ThenBy(d => d.SessionId, StringComparer.Ordinal).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            var share = remaining / (ordered.Count - i);
            var granted = (int)Math.Min(Math.Max(ordered[i].RequestedW, 0), share);
            result[ordered[i].SessionId] = granted;
            remaining -= granted;
        }
        return result;
    }
}
