using EasyParkPlus.Domain.Pricing;
using EasyParkPlus.Workflows.Billing;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace EasyParkPlus.Workflows.Parking;

// The QuoteExit update: a caller that needs the amount (the pay station, the app at the exit) asks the workflow itself.
public sealed partial class ParkingSession
{
    public const string ExitQuoteRejected = "ExitQuoteRejected";

    // The price at exit, for the pay station and the app, answered at once from the workflow's state and clock: while the
    // car is parked, the stay priced up to now as its exit would price it; once the exit priced it, that price, less what
    // was paid. It changes nothing, so the workflow's commands stay the same.
    [WorkflowUpdate]
    public Task<ExitQuote> QuoteExitAsync()
    {
        var input = _input!;
        var now = WorkflowTime.Now;
        var exit = _exit ?? new VehicleExit(now, null) { ReceivedAt = now };
        var price = _price ?? PriceAt(input, exit, now);
        var span = StayReview.BillingSpan(input, exit, now);
        return Task.FromResult(new ExitQuote(_state, input.EntryAt, span.To, price.Total.Cents, _amountPaid,
            Math.Max(price.Total.Cents - _amountPaid, 0), BillingLine.From(price)));
    }

    // A quote needs a stay that holds a space and is not paid yet; anything else is rejected before it reaches history.
    [WorkflowUpdateValidator(nameof(QuoteExitAsync))]
    public void ValidateQuoteExit()
    {
        var reason = _state switch
        {
            ParkingStates.Validating or ParkingStates.Allocating => "The stay has not started yet: there is nothing to price.",
            ParkingStates.Denied => "The entry was denied: nothing is due.",
            ParkingStates.Exiting or ParkingStates.Completed => "The stay is already paid.",
            _ => null,
        };
        if (reason is not null)
        {
            throw new ApplicationFailureException(reason, errorType: ExitQuoteRejected, nonRetryable: true);
        }
    }

    // What the exit would price now (the QuoteExit update): the same span and tariff as PriceStayAsync, without its review.
    private PriceBreakdown PriceAt(ParkingSessionInput input, VehicleExit exit, DateTimeOffset now)
    {
        var span = StayReview.BillingSpan(input, exit, now);
        return Price(input, _settings ?? ParkingSessionSettings.Default, _validation!, span.From, span.To);
    }
}
