namespace EasyParkPlus.Engine;

/// <summary>How a failed activity attempt is retried (Temporal's retry policy).</summary>
public sealed record RetryPolicy
{
    /// <summary>The delay before the first retry. Default one second.</summary>
    public TimeSpan InitialInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Each retry waits this many times longer than the previous one. Default 2.</summary>
    public double BackoffCoefficient { get; init; } = 2.0;

    /// <summary>The longest delay between attempts. Default 100 × <see cref="InitialInterval"/>.</summary>
    public TimeSpan? MaximumInterval { get; init; }

    /// <summary>The most attempts in total, including the first; 0 means unlimited. Default 0.</summary>
    public int MaximumAttempts { get; init; }

    /// <summary>Error types (<see cref="ApplicationFailureException.ErrorType"/> or exception type names) never retried.</summary>
    public IReadOnlyList<string> NonRetryableErrorTypes { get; init; } = [];

    /// <summary>The default policy: retry forever with exponential backoff from one second, capped at 100 seconds.</summary>
    public static RetryPolicy Default { get; } = new();

    /// <summary>One attempt only.</summary>
    public static RetryPolicy NoRetry { get; } = new() { MaximumAttempts = 1 };

    /// <summary>The delay before attempt <paramref name="nextAttempt"/> (2 or more).</summary>
    public TimeSpan DelayBefore(int nextAttempt)
    {
        var max = MaximumInterval ?? InitialInterval * 100;
        var factor = Math.Pow(BackoffCoefficient, Math.Max(0, nextAttempt - 2));
        var ticks = InitialInterval.Ticks * factor;
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Whether another attempt may follow attempt <paramref name="attempt"/> that failed with <paramref name="errorType"/>.</summary>
    public bool AllowsRetry(int attempt, string errorType, bool nonRetryable) =>
        !nonRetryable
        && (MaximumAttempts == 0 || attempt < MaximumAttempts)
        && !NonRetryableErrorTypes.Contains(errorType, StringComparer.Ordinal);
}
