using System.Text.Json;

namespace EasyParkPlus.LocalStripe;

internal static class StandInJson
{
    /// <summary>Stripe pretty-prints its responses with two-space indentation.</summary>
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
