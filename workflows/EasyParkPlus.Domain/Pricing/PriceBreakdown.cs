namespace EasyParkPlus.Domain.Pricing;

// An itemised price whose total is, by construction, the sum of its lines.
public sealed record PriceBreakdown
{
    public PriceBreakdown(IReadOnlyList<PriceLine> lines)
    {
        Lines = [.. lines];
        Total = Money.Sum(Lines.Select(line => line.Amount));
    }

    public static PriceBreakdown Empty { get; } = new([]);

    public IReadOnlyList<PriceLine> Lines { get; }

    public Money Total { get; }

    public PriceBreakdown Append(PriceLine line) => new([.. Lines, line]);

    public bool Equals(PriceBreakdown? other) => other is not null && Lines.SequenceEqual(other.Lines);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var line in Lines)
        {
            hash.Add(line);
        }
        return hash.ToHashCode();
    }
}
