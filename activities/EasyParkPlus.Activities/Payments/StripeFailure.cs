using System.Globalization;
using Stripe;
using Temporalio.Exceptions;

namespace EasyParkPlus.Activities.Payments;

/// <summary>What went wrong with a Stripe call, in the terms a workflow decides on.</summary>
public enum StripeFailureKind
{
    /// <summary>402 card_error: declined, insufficient funds, expired card. Ask for another card.</summary>
    CardDeclined,

    /// <summary>402 <c>authentication_required</c> off-session: the driver must pay on-session.</summary>
    AuthenticationRequired,

    /// <summary>400/404 invalid_request_error: a bug or a wrong id; the same request cannot succeed later.</summary>
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

    /// <summary>A success status whose body is not what was asked for.</summary>
    UnexpectedResponse,
}

/// <summary>
/// A failed Stripe.net call classified once: retryable failures are left to the workflow engine's retry
/// policy (Stripe.net itself never retries: <c>maxNetworkRetries: 0</c>), which re-sends the same
/// idempotency key; the others fail the activity for good.
/// </summary>
public sealed record StripeFailure(
    StripeFailureKind Kind, bool IsRetryable, int? HttpStatus, string? Code, string? DeclineCode, string? StripeMessage, string Message, string? RequestId)
{
    /// <summary>The error type of the retryable activity failure <see cref="ToRetryableFailure"/> makes.</summary>
    public const string UnavailableErrorType = "StripeUnavailable";

    public bool IsCardError => Kind is StripeFailureKind.CardDeclined or StripeFailureKind.AuthenticationRequired;

    /// <summary>
    /// Classifies what a Stripe.net call threw; null when it is not a failed call (the caller's own
    /// cancellation, a bug in the arguments), which should propagate unchanged.
    /// </summary>
    public static StripeFailure? From(Exception exception, CancellationToken callerToken) => exception switch
    {
        StripeException stripe => FromResponse(stripe),
        HttpRequestException http => new(StripeFailureKind.ConnectionFailure, true, null, null, null, null,
            $"Stripe could not be reached ({http.HttpRequestError}): {http.Message}", null),
        // HttpClient's timeout surfaces as a cancellation nobody asked for.
        OperationCanceledException when !callerToken.IsCancellationRequested => new(StripeFailureKind.Timeout, true, null, null, null, null,
            "Stripe did not answer in time; the request may or may not have been applied.", null),
        _ => null,
    };

    /// <summary>A retryable application failure: Temporal retries the activity, which re-sends the same idempotency key.</summary>
    public ApplicationFailureException ToRetryableFailure(Exception cause) =>
        new(Message, cause, UnavailableErrorType, nonRetryable: false, details: [new { Kind, HttpStatus, Code, RequestId }]);

    private static StripeFailure FromResponse(StripeException exception)
    {
        var status = (int)exception.HttpStatusCode;
        var error = exception.StripeError;
        var kind = status switch
        {
            402 when error?.Code == "authentication_required" || error?.DeclineCode == "authentication_required"
                => StripeFailureKind.AuthenticationRequired,
            402 => StripeFailureKind.CardDeclined,
            400 when error?.Type == "idempotency_error" => StripeFailureKind.IdempotencyKeyReused,
            401 or 403 => StripeFailureKind.Unauthorized,
            409 => StripeFailureKind.Conflict,
            429 => StripeFailureKind.RateLimited,
            >= 500 => StripeFailureKind.ServerError,
            >= 200 and < 300 => StripeFailureKind.UnexpectedResponse,
            _ when error?.Type == "card_error" => StripeFailureKind.CardDeclined,
            _ => StripeFailureKind.InvalidRequest,
        };
        // Stripe's own verdict wins where it gives one (e.g. a 409 lock timeout it knows is safe to retry).
        var retryable = ShouldRetryHeader(exception.StripeResponse) ?? kind is StripeFailureKind.RateLimited or StripeFailureKind.Conflict or StripeFailureKind.ServerError;
        var requestId = exception.StripeResponse?.RequestId;
        var detail = error is null
            ? exception.Message
            : string.Join(' ', new[] { error.Type, error.Code, error.DeclineCode is null ? null : $"({error.DeclineCode})" }.Where(p => p is not null))
              + (error.Message is null ? "" : ": " + error.Message);
        var message = string.Create(CultureInfo.InvariantCulture, $"Stripe answered {status}: {detail} [{requestId ?? "no request id"}]");
        return new StripeFailure(kind, retryable, status, error?.Code, error?.DeclineCode, error?.Message, message, requestId);
    }

    private static bool? ShouldRetryHeader(StripeResponse? response) =>
        response?.Headers is { } headers && headers.TryGetValues("Stripe-Should-Retry", out var values)
            ? values.FirstOrDefault() switch
            {
                "true" => true,
                "false" => false,
                _ => null,
            }
            : null;
}
