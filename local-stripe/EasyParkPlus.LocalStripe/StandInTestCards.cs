namespace EasyParkPlus.LocalStripe;

/// <summary>A decline as Stripe reports it: error code, decline code, message.</summary>
internal sealed record StandInDecline(string Code, string DeclineCode, string Message);

/// <summary>
/// Stripe's documented test PaymentMethods (docs.stripe.com/testing). Declining cards fail when
/// attached to a customer (Stripe checks the card then), except <c>pm_card_chargeCustomerFail</c>,
/// documented as "attaching succeeds, charging fails". <c>pm_card_authenticationRequired</c>
/// (4000 0027 6000 3184) needs 3-D Secure on every payment: off-session it is declined with
/// <c>authentication_required</c>, on-session it asks for action.
/// </summary>
internal sealed record StandInTestCard(
    string Token, string Brand, string Last4, StandInDecline? Decline, bool DeclineOnAttach, bool RequiresAuthentication)
{
    private static readonly StandInDecline Generic = new("card_declined", "generic_decline", "Your card was declined.");

    public static readonly IReadOnlyDictionary<string, StandInTestCard> ByToken = new[]
    {
        new StandInTestCard("pm_card_visa", "visa", "4242", null, false, false),
        new StandInTestCard("pm_card_mastercard", "mastercard", "4444", null, false, false),
        new StandInTestCard("pm_card_amex", "amex", "0005", null, false, false),
        new StandInTestCard("pm_card_chargeDeclined", "visa", "0002", Generic, true, false),
        new StandInTestCard(
            "pm_card_chargeDeclinedInsufficientFunds", "visa", "9995",
            new("card_declined", "insufficient_funds", "Your card has insufficient funds."), true, false),
        new StandInTestCard(
            "pm_card_chargeDeclinedExpiredCard", "visa", "0069",
            new("expired_card", "expired_card", "Your card has expired."), true, false),
        new StandInTestCard("pm_card_chargeCustomerFail", "visa", "0341", Generic, false, false),
        new StandInTestCard("pm_card_authenticationRequired", "visa", "3184", null, false, true),
    }.ToDictionary(card => card.Token, StringComparer.Ordinal);

    public static readonly StandInDecline AuthenticationRequired =
        new("authentication_required", "authentication_required", "Your card was declined. This transaction requires authentication.");
}
