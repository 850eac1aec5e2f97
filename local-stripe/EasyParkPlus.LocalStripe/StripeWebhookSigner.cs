using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace EasyParkPlus.LocalStripe;

/// <summary>
/// Signs and delivers webhook events the way Stripe does: <c>Stripe-Signature: t={unix seconds},v1={hex}</c>,
/// where v1 is HMAC-SHA256 over <c>"{t}.{body}"</c> keyed with the endpoint secret (the whole
/// <c>whsec_...</c> string). Several secrets give several v1 entries, as while a secret is rolled.
/// </summary>
public static class StripeWebhookSigner
{
    public static string SignatureHeader(string payload, DateTimeOffset timestamp, params string[] secrets)
    {
        if (secrets.Length == 0)
        {
            throw new ArgumentException("At least one secret is needed.", nameof(secrets));
        }
        var t = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signedPayload = Encoding.UTF8.GetBytes(t + "." + payload);
        var header = new StringBuilder("t=").Append(t);
        foreach (var secret in secrets)
        {
            var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signedPayload);
            header.Append(",v1=").Append(Convert.ToHexStringLower(mac));
        }
        return header.ToString();
    }

    /// <summary>POSTs <paramref name="payload"/> to <paramref name="url"/> with Stripe's headers; works with a TestServer client too.</summary>
    public static async Task<HttpResponseMessage> SendAsync(
        HttpClient client, Uri url, string payload, DateTimeOffset timestamp, string secret, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Content = new StringContent(payload, Encoding.UTF8, "application/json");
        request.Headers.TryAddWithoutValidation("Stripe-Signature", SignatureHeader(payload, timestamp, secret));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Stripe", "1.0"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("(+https://stripe.com/docs/webhooks)"));
        return await client.SendAsync(request, cancellationToken);
    }

    /// <summary>An event envelope as Stripe sends it; <paramref name="dataObject"/> is the object's JSON (a PaymentIntent, a refund...).</summary>
    public static string CreateEventJson(string eventId, string type, DateTimeOffset created, JsonObject dataObject) =>
        new JsonObject
        {
            ["id"] = eventId,
            ["object"] = "event",
            ["api_version"] = StripeStandIn.DefaultApiVersion,
            ["created"] = created.ToUnixTimeSeconds(),
            ["data"] = new JsonObject { ["object"] = dataObject.DeepClone() },
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
            ["type"] = type,
        }.ToJsonString(StandInJson.Indented);
}
