using System.Text.Json;
using Microsoft.Extensions.Options;
using Stripe;

namespace EasyParkPlus.Activities.Payments;

/// <summary>A verified webhook event, or why the delivery was refused.</summary>
public sealed record WebhookVerificationResult(Event? Event, string Reason)
{
    public bool IsValid => Event is not null;

    /// <summary>The id of <c>data.object</c> (<c>pi_...</c>, <c>re_...</c>), if it has one.</summary>
    public string? ObjectId => (Event?.Data?.Object as IHasId)?.Id;
}

/// <summary>
/// Checks a webhook delivery with Stripe.net's <see cref="EventUtility"/> (HMAC-SHA256 of <c>"{t}.{body}"</c>,
/// constant-time compare, any of several v1 signatures, the tolerance both ways) against our clock, so tests
/// can move time. Events signed for an older API version are accepted: we read only their envelope and the
/// object's id.
/// </summary>
public sealed class StripeWebhookVerifier(IOptions<StripeOptions> options, TimeProvider time)
{
    /// <param name="payload">The request body exactly as received; re-serialised JSON will not verify.</param>
    /// <param name="signatureHeader">The <c>Stripe-Signature</c> request header.</param>
    public WebhookVerificationResult Verify(string payload, string? signatureHeader)
    {
        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return Refused("The Stripe-Signature header is missing.");
        }
        try
        {
            var stripeEvent = EventUtility.ConstructEvent(
                payload,
                signatureHeader,
                options.Value.WebhookSecret,
                tolerance: (long)options.Value.WebhookTolerance.TotalSeconds,
                utcNow: time.GetUtcNow().ToUnixTimeSeconds(),
                throwOnApiVersionMismatch: false);
            return string.IsNullOrEmpty(stripeEvent.Id) || string.IsNullOrEmpty(stripeEvent.Type)
                ? Refused("The signed payload is not a Stripe event: it has no id or type.")
                : new WebhookVerificationResult(stripeEvent, "Verified.");
        }
        catch (StripeException ex)
        {
            return Refused(ex.Message);
        }
        // A signed body that is not an event, or a timestamp that is no number: refused, never a 500.
        catch (Exception ex) when (ex is JsonException or FormatException or OverflowException or ArgumentException)
        {
            return Refused("The signed payload is not a Stripe event: " + ex.Message);
        }
    }

    private static WebhookVerificationResult Refused(string reason) => new(null, reason);
}
