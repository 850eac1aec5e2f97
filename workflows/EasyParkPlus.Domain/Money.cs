using System.Globalization;

namespace EasyParkPlus.Domain;

// An amount in US cents. Money is never a floating-point number anywhere in the product: every
// rounding rule is applied explicitly where the business rules say so.
public readonly record struct Money(long Cents) : IComparable<Money>
{
    public static Money Zero => default;

    public static Money FromCents(long cents) => new(cents);

    public static Money FromDollars(long dollars) => new(checked(dollars * 100));

    public bool IsZero => Cents == 0;

    public bool IsNegative => Cents < 0;

    public static Money operator +(Money left, Money right) => new(checked(left.Cents + right.Cents));

    public static Money operator -(Money left, Money right) => new(checked(left.Cents - right.Cents));

    public static Money operator -(Money value) => new(checked(-value.Cents));

    public static Money operator *(Money left, long right) => new(checked(left.Cents * right));

    public static Money operator *(long left, Money right) => right * left;

    public static bool operator <(Money left, Money right) => left.Cents < right.Cents;

    public static bool operator >(Money left, Money right) => left.Cents > right.Cents;

    public static bool operator <=(Money left, Money right) => left.Cents <= right.Cents;

    public static bool operator >=(Money left, Money right) => left.Cents >= right.Cents;

    public static Money Add(Money left, Money right) => left + right;

    public static Money Subtract(Money left, Money right) => left - right;

    public static Money Multiply(Money left, long right) => left * right;

    public static Money Negate(Money value) => -value;

    public static Money Min(Money left, Money right) => left <= right ? left : right;

    public static Money Max(Money left, Money right) => left >= right ? left : right;

    public static Money Sum(IEnumerable<Money> amounts)
    {
        var total = Zero;
        foreach (var amount in amounts)
        {
            total += amount;
        }
        return total;
    }

    // `numerator / denominator` cents, rounded half-up (away from zero on a tie), without ever
    // passing through a floating-point value.
    public static Money RoundHalfUp(long numerator, long denominator)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(denominator);
        var quotient = Math.DivRem(numerator, denominator, out var remainder);
        if (Math.Abs(remainder) * 2 >= denominator)
        {
            quotient += Math.Sign(numerator);
        }
        return new(quotient);
    }

    public int CompareTo(Money other) => Cents.CompareTo(other.Cents);

    public override string ToString()
    {
        var magnitude = Math.Abs((decimal)Cents) / 100m;
        var text = magnitude.ToString("#,##0.00", CultureInfo.InvariantCulture);
        return Cents < 0 ? $"-${text}" : $"${text}";
    }
}
