using System.Globalization;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>
/// An Int or Double value of a filter or an execution. Integers stay exact 64-bit values; doubles
/// compare as the shortest decimal that round-trips them, which is what PostgreSQL's <c>numeric</c>
/// sees once the value has been written as JSON, so memory and SQL order every pair the same way.
/// </summary>
public readonly record struct VisibilityNumber : IComparable<VisibilityNumber>
{
    private VisibilityNumber(bool isInteger, long integer, double real)
    {
        IsWhole = isInteger;
        Whole = integer;
        Real = real;
    }

    public bool IsWhole { get; }

    public long Whole { get; }

    public double Real { get; }

    public static VisibilityNumber Of(long value) => new(true, value, value);

    public static VisibilityNumber Of(double value) =>
        double.IsFinite(value) ? new(false, 0, value + 0.0) : throw new ArgumentOutOfRangeException(nameof(value), value, "not a finite number");

    /// <summary>The exact decimal text PostgreSQL parses as <c>numeric</c> (and JSON as a number).</summary>
    public string ToDecimalText() =>
        IsWhole ? Whole.ToString(CultureInfo.InvariantCulture) : Real.ToString("R", CultureInfo.InvariantCulture);

    public override string ToString() => ToDecimalText();

    public int CompareTo(VisibilityNumber other) => (IsWhole, other.IsWhole) switch
    {
        (true, true) => Whole.CompareTo(other.Whole),
        (false, false) => Real == other.Real ? 0 : Real.CompareTo(other.Real),
        (true, false) => CompareIntegerToReal(Whole, other.Real),
        _ => -CompareIntegerToReal(other.Whole, Real),
    };

    public static bool operator <(VisibilityNumber left, VisibilityNumber right) => left.CompareTo(right) < 0;

    public static bool operator <=(VisibilityNumber left, VisibilityNumber right) => left.CompareTo(right) <= 0;

    public static bool operator >(VisibilityNumber left, VisibilityNumber right) => left.CompareTo(right) > 0;

    public static bool operator >=(VisibilityNumber left, VisibilityNumber right) => left.CompareTo(right) >= 0;

    // Exact comparison of an integer with the shortest round-trip decimal of a double.
    private static int CompareIntegerToReal(long integer, double real)
    {
        if (real == 0)
        {
            return integer.CompareTo(0);
        }
        var magnitude = Math.Abs(real);
        if (magnitude >= 1e28)
        {
            return real > 0 ? -1 : 1; // beyond every long
        }
        if (magnitude < 1)
        {
            // Strictly between -1 and 1 and not zero: only the integer's sign (or the real's, for 0) decides.
            return integer != 0 ? integer.CompareTo(0) : (real > 0 ? -1 : 1);
        }
        // At least 1 and below 1e28 with at most 17 significant digits: decimal holds it exactly.
        var shortest = decimal.Parse(real.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
        return ((decimal)integer).CompareTo(shortest);
    }
}
