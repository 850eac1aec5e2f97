namespace EasyParkPlus.Bench;

internal static class Statistics
{
    /// <summary>The nearest-rank percentile (<paramref name="p"/> from 0 to 1) of <paramref name="values"/>, which it sorts.</summary>
    public static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        values.Sort();
        return values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
    }
}
