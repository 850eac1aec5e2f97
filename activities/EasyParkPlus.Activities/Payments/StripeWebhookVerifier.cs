using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Activities.Payments;

public enum WebhookVerificationFailure
{
    None,
    MissingSignatureHeader,
    MalformedSignatureHeader,
    NoV1Signature,
    TimestampOutsideTolerance,
    SignatureMismatch,
    MalformedEvent,
}

public sealed record WebhookVerificationResult(WebhookVerificationFailure Failure, string Reason, StripeEvent? Event)
{
    public bool IsValid => Failure == WebhookVerificationFailure.None;
}

/// <summary>
/// Checks Stripe's <c>Stripe-Signature: t=...,v1=...[,v1=...]</c> header: each v1 is the hex HMAC-SHA256 of
/// <c>"{t}.{raw body}"</c> keyed with the endpoint secret; any one matching is enough (Stripe sends several
/// while a secret is being rolled). The timestamp must lie within the tolerance of our clock in either
/// direction, which bounds how long a captured request can be replayed.
/// </summary>
public sealed class StripeWebhookVerifier
{
    private readonly byte[] _secret;
    private readonly TimeProvider _time;
    private readonly TimeSpan _tolerance;

    public StripeWebhookVerifier(IOptions<StripeOptions> options, TimeProvider timeProvider)
        : this(options.Value.WebhookSecret, timeProvider, options.Value.WebhookTolerance)
    {
    }

    public StripeWebhookVerifier(string webhookSecret, TimeProvider timeProvider, TimeSpan tolerance)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(webhookSecret);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tolerance, TimeSpan.Zero);
        // Stripe keys the HMAC with the whole secret string, "whsec_" prefix included.
        _secret = Encoding.UTF8.GetBytes(webhookSecret);
        _time = timeProvider;
        _tolerance = tolerance;
    }

    public WebhookVerificationResult Verify(string payload, string? signatureHeader) =>
        Verify(Encoding.UTF8.GetBytes(payload), signatureHeader);

    /// <param name="payload">The request body exactly as received; re-serialised JSON will not verify.</param>
    /// <param name="signatureHeader">The <c>Stripe-Signature</c> request header.</param>
    public WebhookVerificationResult Verify(ReadOnlySpan<byte> payload, string? signatureHeader)
    {
        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return Fail(WebhookVerificationFailure.MissingSignatureHeader, "The Stripe-Signature header is missing.");
        }

        long? timestamp = null;
        var signatures = new List<string>();
        foreach (var item in signatureHeader.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return Fail(WebhookVerificationFailure.MalformedSignatureHeader, $"The Stripe-Signature item '{item}' is not scheme=value.");
            }
            var scheme = item[..equals];
            var value = item[(equals + 1)..];
            if (scheme == "t")
            {
                if (timestamp is not null || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    return Fail(WebhookVerificationFailure.MalformedSignatureHeader, "The Stripe-Signature timestamp must appear once, as Unix seconds.");
                }
                timestamp = seconds;
            }
            else if (scheme == "v1")
            {
                signatures.Add(value);
            }
            // Other schemes (v0 is test-mode only) are ignored, as Stripe's libraries do.
        }

        if (timestamp is not { } t)
        {
            return Fail(WebhookVerificationFailure.MalformedSignatureHeader, "The Stripe-Signature header has no timestamp (t=...).");
        }
        if (signatures.Count == 0)
        {
            return Fail(WebhookVerificationFailure.NoV1Signature, "The Stripe-Signature header has no v1 signature.");
        }

        var prefix = Encoding.UTF8.GetBytes(t.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + payload.Length];
        prefix.CopyTo(signed, 0);
        payload.CopyTo(signed.AsSpan(prefix.Length));
        var expected = HMACSHA256.HashData(_secret, signed);

        var matched = false;
        foreach (var signature in signatures)
        {
            // Compare every candidate in constant time; a non-hex candidate simply does not match.
            if (TryFromHex(signature, out var candidate) && CryptographicOperations.FixedTimeEquals(candidate, expected))
            {
                matched = true;
            }
        }
        if (!matched)
        {
            return Fail(WebhookVerificationFailure.SignatureMismatch, "No v1 signature matches the payload for this endpoint's secret.");
        }

        // Checked after the signature so an attacker learns nothing about our clock from unsigned requests.
        var age = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(t, 0, 253402300799));
        if (age.Duration() > _tolerance)
        {
            return Fail(
                WebhookVerificationFailure.TimestampOutsideTolerance,
                string.Create(CultureInfo.InvariantCulture, $"The signed timestamp is {age.TotalSeconds:0} s from now; the tolerance is {_tolerance.TotalSeconds:0} s."));
        }

        try
        {
            return new WebhookVerificationResult(WebhookVerificationFailure.None, "Verified.", StripeEvent.Parse(payload));
        }
        catch (JsonException ex)
        {
            return Fail(WebhookVerificationFailure.MalformedEvent, "The signed payload is not a Stripe event: " + ex.Message);
        }
    }

    private static WebhookVerificationResult Fail(WebhookVerificationFailure failure, string reason) => new(failure, reason, null);

    private static bool TryFromHex(string hex, out byte[] bytes)
    {
        bytes = [];
        if (hex.Length != 64)
        {
            return false;
        }
        try
        {
            bytes = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
