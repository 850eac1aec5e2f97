using System.Globalization;
using System.Text.Json;

namespace EasyParkPlus.Activities.Payments;

/// <summary>What went wrong, in the terms a workflow decides on.</summary>
public enum StripeErrorKind
{
    /// <summary>402 card_error: declined, insufficient funds, expired card... Ask for another card.</summary>
    CardDeclined,

    /// <summary>402 <c>authentication_required</c> on an off-session payment: the driver must pay on-session (at the station).</summary>
    AuthenticationRequired,

    /// <summary>400/404 invalid_request_error: a bug or a wrong id; retrying the same request cannot help.</summary>
    InvalidRequest,

    /// <summary>400 idempotency_error: the key was used before with other parameters (a key derivation bug).</summary>
    IdempotencyKeyReused,

    /// <summary>401/403: the API key is wrong, revoked or lacks the permission.</summary>
    Unauthorized,

    /// <summary>409: another request with the same idempotency key is still running.</summary>
    Conflict,

    /// <summary>429: rate limited (or an object lock timed out) before Stripe did anything.</summary>
    RateLimited,

    /// <summary>5xx api_error.</summary>
    ServerError,

    /// <summary>No response: connection refused or reset, DNS, TLS.</summary>
    ConnectionFailure,

    /// <summary>No response within <see cref="StripeOptions.RequestTimeout"/>; Stripe may or may not have acted.</summary>
    Timeout,

    /// <summary>A success status whose body is not the object we asked for.</summary>
    UnexpectedResponse,
}

/// <summary>
/// A failed Stripe call. <see cref="IsRetryable"/> tells the activity whether the engine's retry policy
/// should try again (with the same idempotency key, so a retry never charges twice) or fail for good.
/// </summary>
public sealed class StripeException : Exception
{
    public StripeException(
        string message,
        StripeErrorKind kind,
        bool isRetryable,
        int? httpStatus = null,
        StripeErrorDetails? error = null,
        string? requestId = null,
        StripePaymentIntent? paymentIntent = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        IsRetryable = isRetryable;
        HttpStatus = httpStatus;
        Error = error;
        RequestId = requestId;
        PaymentIntent = paymentIntent;
    }

    public StripeErrorKind Kind { get; }

    public bool IsRetryable { get; }

    /// <summary>Null when no response arrived (timeout, connection failure).</summary>
    public int? HttpStatus { get; }

    public StripeErrorDetails? Error { get; }

    public string? ErrorType => Error?.Type;

    public string? Code => Error?.Code;

    public string? DeclineCode => Error?.DeclineCode;

    public string? StripeMessage => Error?.Message;

    public string? Param => Error?.Param;

    /// <summary>Stripe's <c>Request-Id</c>, for support tickets and the Dashboard's request log.</summary>
    public string? RequestId { get; }

    /// <summary>The PaymentIntent as Stripe left it after a failed confirmation (status <c>requires_payment_method</c>).</summary>
    public StripePaymentIntent? PaymentIntent { get; }

    public bool IsAuthenticationRequired => Kind == StripeErrorKind.AuthenticationRequired;

    public bool IsCardError => Kind is StripeErrorKind.CardDeclined or StripeErrorKind.AuthenticationRequired;

    private static readonly JsonSerializerOptions Json = StripeJson.Options;

    internal static StripeException FromResponse(
        string method, string path, int status, ReadOnlySpan<byte> body, string? requestId, bool? shouldRetryHeader)
    {
        StripeErrorDetails? error = null;
        StripePaymentIntent? paymentIntent = null;
        try
        {
            var envelope = JsonSerializer.Deserialize<ErrorEnvelope>(body, Json);
            error = envelope?.Error is { } e ? new StripeErrorDetails(e.Type, e.Code, e.DeclineCode, e.Message, e.Param) : null;
            paymentIntent = envelope?.Error?.PaymentIntent;
        }
        catch (JsonException)
        {
            // A proxy or load balancer answered with HTML or plain text: classify by status alone.
        }

        var kind = Classify(status, error);
        var retryable = shouldRetryHeader ?? kind is StripeErrorKind.RateLimited or StripeErrorKind.Conflict or StripeErrorKind.ServerError;
        var detail = error is null
            ? "no Stripe error body"
            : string.Join(' ', new[] { error.Type, error.Code, error.DeclineCode is null ? null : $"({error.DeclineCode})" }.Where(p => p is not null))
              + (error.Message is null ? "" : ": " + error.Message);
        var message = string.Create(CultureInfo.InvariantCulture, $"Stripe {method} {path} failed with {status}: {detail} [{requestId ?? "no request id"}]");
        return new StripeException(message, kind, retryable, status, error, requestId, paymentIntent);
    }

    private static StripeErrorKind Classify(int status, StripeErrorDetails? error) => status switch
    {
        402 when error?.Code == "authentication_required" || error?.DeclineCode == "authentication_required"
            => StripeErrorKind.AuthenticationRequired,
        402 => StripeErrorKind.CardDeclined,
        400 when error?.Type == "idempotency_error" => StripeErrorKind.IdempotencyKeyReused,
        401 or 403 => StripeErrorKind.Unauthorized,
        409 => StripeErrorKind.Conflict,
        429 => StripeErrorKind.RateLimited,
        >= 500 => StripeErrorKind.ServerError,
        _ when error?.Type == "card_error" => StripeErrorKind.CardDeclined,
        _ => StripeErrorKind.InvalidRequest,
    };

    private sealed record ErrorEnvelope(ErrorBody? Error);

    private sealed record ErrorBody(
        string? Type, string? Code, string? DeclineCode, string? Message, string? Param, StripePaymentIntent? PaymentIntent);
}
