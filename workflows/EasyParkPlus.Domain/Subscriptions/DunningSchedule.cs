namespace EasyParkPlus.Domain.Subscriptions;

// Attempt 0 is the renewal charge at the due date; the others are retries. A failed attempt moves
// the subscription to `StatusOnFailure`: past due while retries remain, suspended after the last.
public sealed record DunningAttempt(int Number, DateTimeOffset At, SubscriptionStatus StatusOnFailure)
{
    public bool IsRetry => Number > 0;
}

public sealed record DunningSchedule(IReadOnlyList<int> RetryDaysAfterDue)
{
    public static DunningSchedule Default { get; } = new([1, 3, 5]);

    public IReadOnlyList<DunningAttempt> Attempts(DateTimeOffset dueAt)
    {
        var days = RetryDaysAfterDue.Order().ToList();
        if (days.Count > 0 && days[0] <= 0)
        {
            throw new InvalidOperationException("Dunning retries must come after the due date (day 1 or later).");
        }
        var attempts = new List<DunningAttempt>(days.Count + 1);
        for (var i = 0; i <= days.Count; i++)
        {
            var at = i == 0 ? dueAt : dueAt.AddDays(days[i - 1]);
            var onFailure = i == days.Count ? SubscriptionStatus.Suspended : SubscriptionStatus.PastDue;
            attempts.Add(new DunningAttempt(i, at, onFailure));
        }
        return attempts;
    }
}
