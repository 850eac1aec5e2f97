using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Failure = Temporalio.Api.Failure.V1.Failure;

namespace EasyParkPlus.TemporalServer.History;

/// <summary>Server-side retry decisions for activities and workflows, as Temporal makes them.</summary>
public static class RetryPolicies
{
    /// <summary>Temporal's default activity retry policy, filled into what the command left unset.</summary>
    public static RetryPolicy WithActivityDefaults(RetryPolicy? policy)
    {
        var p = policy?.Clone() ?? new RetryPolicy();
        if (!p.InitialInterval.IsPositive())
        {
            p.InitialInterval = TimeSpan.FromSeconds(1).ToDuration();
        }
        if (p.BackoffCoefficient == 0)
        {
            p.BackoffCoefficient = 2.0;
        }
        if (!p.MaximumInterval.IsPositive())
        {
            p.MaximumInterval = TimeSpan.FromTicks(p.InitialInterval.ToTimeSpanOrZero().Ticks * 100).ToDuration();
        }
        return p;
    }

    /// <summary>Why a retry policy is invalid, or null when it is fine.</summary>
    public static string? Validate(RetryPolicy? policy)
    {
        if (policy is null)
        {
            return null;
        }
        if (policy.InitialInterval.IsNegative())
        {
            return "InitialInterval cannot be negative on retry policy.";
        }
        if (policy.BackoffCoefficient != 0 && policy.BackoffCoefficient < 1)
        {
            return "BackoffCoefficient cannot be less than 1 on retry policy.";
        }
        if (policy.MaximumInterval.IsNegative())
        {
            return "MaximumInterval cannot be negative on retry policy.";
        }
        if (policy.MaximumInterval.IsPositive() && policy.InitialInterval.IsPositive() && policy.MaximumInterval.ToTimeSpanOrZero() < policy.InitialInterval.ToTimeSpanOrZero())
        {
            return "MaximumInterval cannot be less than InitialInterval on retry policy.";
        }
        if (policy.MaximumAttempts < 0)
        {
            return "MaximumAttempts cannot be negative on retry policy.";
        }
        return null;
    }

    /// <summary>
    /// Whether attempt <paramref name="attempt"/>, which ended in <paramref name="failure"/>, is retried and after
    /// how long: not when the failure is non-retryable (flag or type), the attempts are used up, or the retry would
    /// start after <paramref name="deadline"/>. A failure's own next-retry delay wins over the policy's backoff.
    /// </summary>
    public static (TimeSpan? Delay, RetryState State) Next(RetryPolicy? policy, int attempt, Failure? failure, DateTimeOffset now, DateTimeOffset? deadline, bool timeout = false)
    {
        if (policy is null)
        {
            return (null, RetryState.RetryPolicyNotSet);
        }
        if (failure?.ApplicationFailureInfo is { } app)
        {
            if (app.NonRetryable || policy.NonRetryableErrorTypes.Contains(app.Type))
            {
                return (null, RetryState.NonRetryableFailure);
            }
        }
        else if (failure?.TimeoutFailureInfo is { } timeoutInfo && policy.NonRetryableErrorTypes.Contains(TimeoutTypeName(timeoutInfo.TimeoutType)))
        {
            return (null, RetryState.NonRetryableFailure);
        }
        else if (failure is { CanceledFailureInfo: not null } or { TerminatedFailureInfo: not null })
        {
            return (null, RetryState.NonRetryableFailure);
        }
        if (policy.MaximumAttempts > 0 && attempt >= policy.MaximumAttempts)
        {
            return (null, RetryState.MaximumAttemptsReached);
        }
        var delay = failure?.ApplicationFailureInfo?.NextRetryDelay is { } explicitDelay && explicitDelay.IsPositive()
            ? explicitDelay.ToTimeSpanOrZero()
            : Backoff(policy, attempt);
        if (deadline is { } d && now + delay >= d)
        {
            return (null, RetryState.Timeout);
        }
        _ = timeout;
        return (delay, RetryState.InProgress);
    }

    /// <summary>The policy's backoff before attempt <paramref name="attempt"/> + 1.</summary>
    public static TimeSpan Backoff(RetryPolicy policy, int attempt)
    {
        var initial = policy.InitialInterval.IsPositive() ? policy.InitialInterval.ToTimeSpanOrZero() : TimeSpan.FromSeconds(1);
        var coefficient = policy.BackoffCoefficient >= 1 ? policy.BackoffCoefficient : 2.0;
        var maximum = policy.MaximumInterval.IsPositive() ? policy.MaximumInterval.ToTimeSpanOrZero() : TimeSpan.FromTicks(initial.Ticks * 100);
        var ticks = initial.Ticks * Math.Pow(coefficient, Math.Max(0, attempt - 1));
        return ticks >= maximum.Ticks ? maximum : TimeSpan.FromTicks((long)ticks);
    }

    private static string TimeoutTypeName(TimeoutType type) => type switch
    {
        TimeoutType.StartToClose => "TemporalTimeout:StartToClose",
        TimeoutType.ScheduleToStart => "TemporalTimeout:ScheduleToStart",
        TimeoutType.ScheduleToClose => "TemporalTimeout:ScheduleToClose",
        TimeoutType.Heartbeat => "TemporalTimeout:Heartbeat",
        _ => "",
    };
}
