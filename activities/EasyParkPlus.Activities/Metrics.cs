using System.Diagnostics;
using System.Diagnostics.Metrics;
using EasyParkPlus.Activities.Payments;

namespace EasyParkPlus.Activities;

/// <summary>
/// Our business meters, recorded where the activities commit what they count (so a retried activity counts once).
/// The service defaults subscribe to every <c>EasyParkPlus.*</c> meter.
/// </summary>
public static class Metrics
{
    public const string SessionsMeterName = "EasyParkPlus.Sessions";
    public const string PaymentsMeterName = "EasyParkPlus.Payments";

    private static readonly Meter SessionsMeter = new(SessionsMeterName);
    private static readonly Meter PaymentsMeter = new(PaymentsMeterName);

    internal static readonly Counter<long> SessionsStarted =
        SessionsMeter.CreateCounter<long>("easypark.parking.sessions.started", "{session}", "Parking sessions that got a space, by facility");

    internal static readonly Counter<long> SessionsCompleted =
        SessionsMeter.CreateCounter<long>("easypark.parking.sessions.completed", "{session}", "Parking sessions closed at exit, by facility");

    internal static readonly Counter<long> PaymentOperations =
        PaymentsMeter.CreateCounter<long>("easypark.payments.operations", "{operation}", "Stripe operations (charge, hold, capture, cancel, refund) by outcome");

    internal static readonly Counter<long> PaymentAmount =
        PaymentsMeter.CreateCounter<long>("easypark.payments.amount", "{cent}", "Cents moved at Stripe (charge, hold, capture, refund)");

    /// <summary>One Stripe operation's outcome: <c>succeeded</c>, <c>declined</c>, <c>rejected</c> or <c>unavailable</c>.</summary>
    internal static void Payment(string operation, string outcome, long amountCents = 0)
    {
        var tags = new TagList { { "operation", operation }, { "outcome", outcome } };
        PaymentOperations.Add(1, tags);
        if (amountCents > 0)
        {
            PaymentAmount.Add(amountCents, new KeyValuePair<string, object?>("operation", operation));
        }
    }

    internal static string Outcome(StripeFailure failure) =>
        failure.IsRetryable ? "unavailable" : failure.IsCardError ? "declined" : "rejected";
}
