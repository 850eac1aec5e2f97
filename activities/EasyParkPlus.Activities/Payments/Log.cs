using Microsoft.Extensions.Logging;

namespace EasyParkPlus.Activities.Payments;

/// <summary>Payments log events, ids 3000-3099. The API key is never an argument here.</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Debug,
        "Stripe {Method} {Path} answered {StatusCode} in {ElapsedMs} ms (request {RequestId}, idempotency key {IdempotencyKey}, replayed {Replayed})")]
    public static partial void StripeCallSucceeded(
        ILogger logger, string method, string path, int statusCode, long elapsedMs, string? requestId, string? idempotencyKey, bool replayed);

    [LoggerMessage(3001, LogLevel.Warning,
        "Stripe {Method} {Path} failed with {StatusCode} {ErrorType} {ErrorCode} {DeclineCode} (request {RequestId}, idempotency key {IdempotencyKey}, retryable {Retryable})")]
    public static partial void StripeCallFailed(
        ILogger logger, string method, string path, int statusCode, string? errorType, string? errorCode, string? declineCode,
        string? requestId, string? idempotencyKey, bool retryable);

    [LoggerMessage(3002, LogLevel.Warning, "Stripe {Method} {Path} got no response ({Failure}); idempotency key {IdempotencyKey}, retryable")]
    public static partial void StripeCallDidNotComplete(
        ILogger logger, string method, string path, string failure, string? idempotencyKey, Exception exception);
}
