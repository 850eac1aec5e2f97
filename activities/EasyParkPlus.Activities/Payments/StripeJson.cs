using System.Text.Json;

namespace EasyParkPlus.Activities.Payments;

internal static class StripeJson
{
    /// <summary>Stripe's JSON is snake_case; unknown fields are ignored so new API fields never break parsing.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}
