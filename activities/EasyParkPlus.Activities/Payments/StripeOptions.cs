using System.ComponentModel.DataAnnotations;

namespace EasyParkPlus.Activities.Payments;

/// <summary>The <c>Stripe</c> configuration section. Secrets come from the environment (<c>Stripe__ApiKey</c>), never from source.</summary>
public sealed class StripeOptions
{
    public const string Section = "Stripe";

    [Required]
    [RegularExpression("^(sk|rk)_(test|live)_[A-Za-z0-9_]+$", ErrorMessage = "Stripe:ApiKey must be a secret or restricted key (sk_test_..., sk_live_...).")]
    public string ApiKey { get; set; } = "";

    [Required]
    [Url]
    public string BaseUrl { get; set; } = "https://api.stripe.com/";

    [Required]
    [RegularExpression("^whsec_[A-Za-z0-9_]+$", ErrorMessage = "Stripe:WebhookSecret must be an endpoint signing secret (whsec_...).")]
    public string WebhookSecret { get; set; } = "";

    /// <summary>Whole-request limit; keep it below the activity's start-to-close timeout so the attempt fails as retryable, not as a lost worker.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:02:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How far a webhook's signed timestamp may be from our clock; Stripe's libraries default to five minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);
}
