using EasyParkPlus.Activities.Payments;
using EasyParkPlus.TestSupport.Stripe;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.Activities.Tests.Payments;

/// <summary>The Stripe client against the stand-in over real HTTP, wired as production wires it.</summary>
public sealed class StripeClientTests : IAsyncLifetime
{
    private StripeStandIn _stripe = null!;
    private StripeTestServices _services = null!;

    private StripeClient Client => _services.Client;

    public async Task InitializeAsync()
    {
        _stripe = await StripeStandIn.StartAsync();
        _services = new StripeTestServices(_stripe.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        _services.Dispose();
        await _stripe.DisposeAsync();
    }

    // ------------------------------------------------------------------ happy paths

    [Fact]
    public async Task CreateCustomer_WithEmailAndMetadata_ReturnsTheCustomer()
    {
        var customer = await Client.CreateCustomerAsync(
            new CreateCustomerRequest { Email = "driver@example.com", Name = "Dana Driver", Metadata = new Dictionary<string, string> { ["driver_id"] = "42" } },
            "driver-42/customer");

        Assert.StartsWith("cus_", customer.Id, StringComparison.Ordinal);
        Assert.Equal("driver@example.com", customer.Email);
        Assert.Equal("42", customer.Metadata!["driver_id"]);
        Assert.Null(customer.DefaultPaymentMethod);
    }

    [Fact]
    public async Task AttachDefaultPaymentMethod_TestCard_AttachesItAndMakesItTheDefault()
    {
        var customer = await Client.CreateCustomerAsync(new CreateCustomerRequest(), "driver-1/customer");

        var card = await Client.AttachDefaultPaymentMethodAsync(customer.Id, "pm_card_visa", "driver-1/card");

        Assert.NotEqual("pm_card_visa", card.Id);
        Assert.Equal(customer.Id, card.Customer);
        Assert.Equal(("visa", "4242"), (card.Card!.Brand, card.Card.Last4));
        var requests = _stripe.Requests;
        Assert.Contains(requests, r => r.Path == $"/v1/customers/{customer.Id}" && r.IdempotencyKey == "driver-1/card/default"
            && r.RawBody == $"invoice_settings[default_payment_method]={card.Id}");
        var cards = await Client.ListCardPaymentMethodsAsync(customer.Id);
        Assert.Equal(card.Id, Assert.Single(cards).Id);
    }

    [Fact]
    public async Task ListCardPaymentMethods_MoreThanOnePage_ReturnsEveryCard()
    {
        var customer = await Client.CreateCustomerAsync(new CreateCustomerRequest(), "driver-2/customer");
        var attached = new List<string>();
        for (var i = 0; i < 103; i++)
        {
            attached.Add((await Client.AttachPaymentMethodAsync(customer.Id, "pm_card_mastercard", $"driver-2/card-{i}")).Id);
        }

        var cards = await Client.ListCardPaymentMethodsAsync(customer.Id);

        Assert.Equal(attached.Order(StringComparer.Ordinal), cards.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.Equal(2, _stripe.Requests.Count(r => r.Method == "GET"));
    }

    [Fact]
    public async Task ChargeSavedCardOffSession_Visa_SucceedsWithStripesFormEncoding()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");

        var payment = await Client.ChargeSavedCardOffSessionAsync(
            new OffSessionPaymentRequest(1250, customer, card, "parking-123") { Metadata = new Dictionary<string, string> { ["session_id"] = "s-9" } },
            "parking-123/charge-exit");

        Assert.Equal(PaymentIntentStatus.Succeeded, payment.Status);
        Assert.Equal((1250L, 1250L, 0L), (payment.Amount, payment.AmountReceived, payment.AmountCapturable));
        Assert.StartsWith("ch_", payment.LatestCharge, StringComparison.Ordinal);
        Assert.Equal("parking-123", payment.Metadata!["workflow_id"]);
        var sent = _stripe.Requests.Single(r => r.Path == "/v1/payment_intents");
        Assert.Equal("parking-123/charge-exit", sent.IdempotencyKey);
        Assert.Equal(StripeClient.ApiVersion, sent.StripeVersion);
        Assert.StartsWith("application/x-www-form-urlencoded", sent.ContentType, StringComparison.Ordinal);
        Assert.Equal(
            $"amount=1250&currency=usd&customer={customer}&payment_method={card}&payment_method_types[]=card&confirm=true&off_session=true"
            + "&metadata[session_id]=s-9&metadata[workflow_id]=parking-123",
            sent.RawBody);
    }

    [Fact]
    public async Task CreateAuthorizationHold_Visa_HoldsTheAmountUntilCapture()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");

        var hold = await Client.CreateAuthorizationHoldAsync(
            new AuthorizationHoldRequest(5000, card, "charging-7") { CustomerId = customer }, "charging-7/hold");

        Assert.Equal(PaymentIntentStatus.RequiresCapture, hold.Status);
        Assert.Equal("manual", hold.CaptureMethod);
        Assert.Equal((5000L, 0L), (hold.AmountCapturable, hold.AmountReceived));
        var fetched = await Client.GetPaymentIntentAsync(hold.Id);
        Assert.Equal(hold with { Metadata = null }, fetched with { Metadata = null });
        Assert.Equal("charging-7", fetched.Metadata!["workflow_id"]);
    }

    [Fact]
    public async Task CapturePaymentIntent_LessThanAuthorised_CapturesThatAmountAndReleasesTheRest()
    {
        var hold = await HoldAsync(5000);

        var captured = await Client.CapturePaymentIntentAsync(hold.Id, 3275, "charging-7/capture");

        Assert.Equal(PaymentIntentStatus.Succeeded, captured.Status);
        Assert.Equal((3275L, 0L), (captured.AmountReceived, captured.AmountCapturable));
    }

    [Fact]
    public async Task CapturePaymentIntent_AboveAuthorisedAmount_IsRefusedAsNonRetryable()
    {
        var hold = await HoldAsync(5000);

        var error = await Assert.ThrowsAsync<StripeException>(() => Client.CapturePaymentIntentAsync(hold.Id, 5001, "charging-7/capture"));

        Assert.Equal((StripeErrorKind.InvalidRequest, 400, false), (error.Kind, error.HttpStatus, error.IsRetryable));
        Assert.Equal("amount_to_capture", error.Param);
        Assert.StartsWith("req_", error.RequestId, StringComparison.Ordinal);
        Assert.Equal(PaymentIntentStatus.RequiresCapture, (await Client.GetPaymentIntentAsync(hold.Id)).Status);
    }

    [Fact]
    public async Task CapturePaymentIntent_AlreadyCaptured_IsRefusedAsUnexpectedState()
    {
        var hold = await HoldAsync(5000);
        await Client.CapturePaymentIntentAsync(hold.Id, null, "charging-7/capture");

        var error = await Assert.ThrowsAsync<StripeException>(() => Client.CapturePaymentIntentAsync(hold.Id, null, "charging-7/capture-again"));

        Assert.Equal(("payment_intent_unexpected_state", false), (error.Code, error.IsRetryable));
        Assert.Equal(PaymentIntentStatus.Succeeded, error.PaymentIntent?.Status);
    }

    [Fact]
    public async Task CancelPaymentIntent_Hold_ReleasesTheAuthorisation()
    {
        var hold = await HoldAsync(5000);

        var canceled = await Client.CancelPaymentIntentAsync(hold.Id, CancellationReason.Abandoned, "charging-7/cancel");

        Assert.Equal(PaymentIntentStatus.Canceled, canceled.Status);
        Assert.Equal((0L, 0L, "abandoned"), (canceled.AmountCapturable, canceled.AmountReceived, canceled.CancellationReason));
        var capture = await Assert.ThrowsAsync<StripeException>(() => Client.CapturePaymentIntentAsync(hold.Id, null, "charging-7/capture"));
        Assert.Equal("payment_intent_unexpected_state", capture.Code);
    }

    [Fact]
    public async Task CancelPaymentIntent_Succeeded_IsRefusedAsUnexpectedState()
    {
        var payment = await ChargeAsync(2000, "reservation-5/charge");

        var error = await Assert.ThrowsAsync<StripeException>(
            () => Client.CancelPaymentIntentAsync(payment.Id, CancellationReason.RequestedByCustomer, "reservation-5/cancel"));

        Assert.Equal((400, "payment_intent_unexpected_state", false), (error.HttpStatus, error.Code, error.IsRetryable));
    }

    [Fact]
    public async Task CreateRefund_PartialThenRest_RefundsUpToTheCapturedAmount()
    {
        var payment = await ChargeAsync(2000, "reservation-5/charge");

        var half = await Client.CreateRefundAsync(
            new RefundRequest(payment.Id, "reservation-5") { AmountCents = 1000, Reason = RefundReason.RequestedByCustomer }, "reservation-5/refund-1");
        var rest = await Client.CreateRefundAsync(new RefundRequest(payment.Id, "reservation-5"), "reservation-5/refund-2");

        Assert.Equal((1000L, "succeeded", "requested_by_customer"), (half.Amount, half.Status, half.Reason));
        Assert.Equal((1000L, payment.Id, payment.LatestCharge), (rest.Amount, rest.PaymentIntent, rest.Charge));
        Assert.Equal("reservation-5", rest.Metadata!["workflow_id"]);
        var more = await Assert.ThrowsAsync<StripeException>(
            () => Client.CreateRefundAsync(new RefundRequest(payment.Id, "reservation-5") { AmountCents = 100 }, "reservation-5/refund-3"));
        Assert.False(more.IsRetryable);
    }

    [Fact]
    public async Task CreateRefund_AboveCapturedAmount_IsRefusedAsNonRetryable()
    {
        var hold = await HoldAsync(5000);
        await Client.CapturePaymentIntentAsync(hold.Id, 1500, "charging-7/capture");

        var error = await Assert.ThrowsAsync<StripeException>(
            () => Client.CreateRefundAsync(new RefundRequest(hold.Id, "charging-7") { AmountCents = 1501 }, "charging-7/refund"));

        Assert.Equal((StripeErrorKind.InvalidRequest, 400, "amount", false), (error.Kind, error.HttpStatus, error.Param, error.IsRetryable));
        Assert.Empty(await _stripe.GetRefundsAsync());
    }

    [Fact]
    public async Task CreateRefund_UncapturedHold_IsRefused()
    {
        var hold = await HoldAsync(5000);

        var error = await Assert.ThrowsAsync<StripeException>(
            () => Client.CreateRefundAsync(new RefundRequest(hold.Id, "charging-7"), "charging-7/refund"));

        Assert.Equal((400, false), (error.HttpStatus, error.IsRetryable));
        Assert.Equal(PaymentIntentStatus.RequiresCapture, error.PaymentIntent?.Status);
    }

    [Fact]
    public async Task GetPaymentIntent_UnknownId_IsResourceMissingAndNonRetryable()
    {
        var error = await Assert.ThrowsAsync<StripeException>(() => Client.GetPaymentIntentAsync("pi_doesnotexist"));

        Assert.Equal((404, "resource_missing", StripeErrorKind.InvalidRequest, false), (error.HttpStatus, error.Code, error.Kind, error.IsRetryable));
    }

    [Fact]
    public async Task ChargeSavedCardOffSession_BelowStripesMinimum_IsRefusedAsNonRetryable()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");

        var error = await Assert.ThrowsAsync<StripeException>(
            () => Client.ChargeSavedCardOffSessionAsync(new OffSessionPaymentRequest(49, customer, card, "charging-8"), "charging-8/remainder"));

        Assert.Equal(("amount_too_small", false), (error.Code, error.IsRetryable));
    }

    // ------------------------------------------------------------------ idempotency

    [Fact]
    public async Task ChargeSavedCardOffSession_SameIdempotencyKeyTwice_CreatesOnePaymentIntent()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");
        var request = new OffSessionPaymentRequest(1250, customer, card, "parking-123");

        var first = await Client.ChargeSavedCardOffSessionAsync(request, "parking-123/charge-exit");
        var second = await Client.ChargeSavedCardOffSessionAsync(request, "parking-123/charge-exit");

        Assert.Equal(first with { Metadata = null }, second with { Metadata = null });
        Assert.Single(await _stripe.GetPaymentIntentsAsync());
        Assert.Equal([false, true], _stripe.Requests.Where(r => r.Path == "/v1/payment_intents").Select(r => r.Replayed));
    }

    [Fact]
    public async Task ChargeSavedCardOffSession_KeyReusedWithOtherAmount_IsNonRetryableIdempotencyError()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");
        await Client.ChargeSavedCardOffSessionAsync(new OffSessionPaymentRequest(1250, customer, card, "parking-123"), "parking-123/charge-exit");

        var error = await Assert.ThrowsAsync<StripeException>(() => Client.ChargeSavedCardOffSessionAsync(
            new OffSessionPaymentRequest(1300, customer, card, "parking-123"), "parking-123/charge-exit"));

        Assert.Equal((StripeErrorKind.IdempotencyKeyReused, "idempotency_error", 400, false), (error.Kind, error.ErrorType, error.HttpStatus, error.IsRetryable));
        Assert.Single(await _stripe.GetPaymentIntentsAsync());
    }

    [Fact]
    public async Task IdempotencyKeys_AreScopedPerApiKey()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");
        using var otherAccount = new StripeTestServices(_stripe.BaseUrl, apiKey: "sk_test_anotheraccount");

        await Client.ChargeSavedCardOffSessionAsync(new OffSessionPaymentRequest(1250, customer, card, "parking-1"), "shared-key");
        await otherAccount.Client.ChargeSavedCardOffSessionAsync(new OffSessionPaymentRequest(990, customer, card, "parking-2"), "shared-key");

        Assert.Equal([1250L, 990L], (await _stripe.GetPaymentIntentsAsync()).Select(pi => pi.Amount));
    }

    // ------------------------------------------------------------------ card failures

    [Fact]
    public async Task ChargeSavedCardOffSession_CardDeclined_IsNonRetryableWithDeclineCode()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_chargeCustomerFail");

        var error = await Assert.ThrowsAsync<StripeException>(() => Client.ChargeSavedCardOffSessionAsync(
            new OffSessionPaymentRequest(1250, customer, card, "subscription-3"), "subscription-3/renew-2026-12"));

        Assert.Equal((StripeErrorKind.CardDeclined, 402, false), (error.Kind, error.HttpStatus, error.IsRetryable));
        Assert.Equal(("card_error", "card_declined", "generic_decline"), (error.ErrorType, error.Code, error.DeclineCode));
        Assert.Equal(PaymentIntentStatus.RequiresPaymentMethod, error.PaymentIntent?.Status);
        Assert.Equal("card_declined", error.PaymentIntent?.LastPaymentError?.Code);
        var stored = Assert.Single(await _stripe.GetPaymentIntentsAsync());
        Assert.Equal((error.PaymentIntent!.Id, PaymentIntentStatus.RequiresPaymentMethod), (stored.Id, stored.Status));
    }

    [Theory]
    [InlineData("pm_card_chargeDeclined", "card_declined", "generic_decline")]
    [InlineData("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds")]
    [InlineData("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card")]
    public async Task CreateAuthorizationHold_DecliningTestCard_IsNonRetryableCardError(string token, string code, string declineCode)
    {
        var error = await Assert.ThrowsAsync<StripeException>(
            () => Client.CreateAuthorizationHoldAsync(new AuthorizationHoldRequest(5000, token, "charging-9"), "charging-9/hold"));

        Assert.Equal((StripeErrorKind.CardDeclined, false), (error.Kind, error.IsRetryable));
        Assert.Equal((code, declineCode), (error.Code, error.DeclineCode));
    }

    [Fact]
    public async Task AttachPaymentMethod_DecliningCard_IsRefusedAsCardError()
    {
        var customer = await Client.CreateCustomerAsync(new CreateCustomerRequest(), "driver-3/customer");

        var error = await Assert.ThrowsAsync<StripeException>(
            () => Client.AttachDefaultPaymentMethodAsync(customer.Id, "pm_card_chargeDeclinedInsufficientFunds", "driver-3/card"));

        Assert.Equal((StripeErrorKind.CardDeclined, "insufficient_funds", false), (error.Kind, error.DeclineCode, error.IsRetryable));
        Assert.Empty(await Client.ListCardPaymentMethodsAsync(customer.Id));
    }

    [Fact]
    public async Task ChargeSavedCardOffSession_CardNeedsAuthentication_IsNonRetryableAuthenticationRequired()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_authenticationRequired");

        var error = await Assert.ThrowsAsync<StripeException>(() => Client.ChargeSavedCardOffSessionAsync(
            new OffSessionPaymentRequest(20000, customer, card, "subscription-4"), "subscription-4/renew"));

        Assert.True(error.IsAuthenticationRequired);
        Assert.Equal((StripeErrorKind.AuthenticationRequired, 402, "authentication_required", false),
            (error.Kind, error.HttpStatus, error.Code, error.IsRetryable));
        Assert.Equal(PaymentIntentStatus.RequiresPaymentMethod, error.PaymentIntent?.Status);
    }

    [Fact]
    public async Task CreateAuthorizationHold_OnSessionCardNeedsAuthentication_ReturnsRequiresAction()
    {
        var hold = await Client.CreateAuthorizationHoldAsync(
            new AuthorizationHoldRequest(5000, "pm_card_authenticationRequired", "charging-10") { OffSession = false }, "charging-10/hold");

        Assert.Equal(PaymentIntentStatus.RequiresAction, hold.Status);
        Assert.Equal(0, hold.AmountCapturable);
    }

    // ------------------------------------------------------------------ transient failures

    [Theory]
    [InlineData(429, StripeErrorKind.RateLimited)]
    [InlineData(500, StripeErrorKind.ServerError)]
    [InlineData(503, StripeErrorKind.ServerError)]
    public async Task ChargeSavedCardOffSession_TransientFailure_IsRetryableAndTheRetryChargesOnce(int status, StripeErrorKind kind)
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");
        var request = new OffSessionPaymentRequest(1250, customer, card, "parking-5");
        _stripe.FailNext("/v1/payment_intents", status);

        var error = await Assert.ThrowsAsync<StripeException>(() => Client.ChargeSavedCardOffSessionAsync(request, "parking-5/charge-exit"));
        var retried = await Client.ChargeSavedCardOffSessionAsync(request, "parking-5/charge-exit");

        Assert.Equal((kind, status, true), (error.Kind, error.HttpStatus, error.IsRetryable));
        Assert.Equal(PaymentIntentStatus.Succeeded, retried.Status);
        Assert.Single(await _stripe.GetPaymentIntentsAsync());
    }

    [Fact]
    public async Task StripeShouldRetryHeader_OverridesTheStatusClassification()
    {
        _stripe.FailNext("/v1/customers", 500, shouldRetry: false);
        _stripe.FailNext("/v1/payment_intents/pi_locked", 400, shouldRetry: true);

        var serverError = await Assert.ThrowsAsync<StripeException>(() => Client.CreateCustomerAsync(new CreateCustomerRequest(), "driver-6/customer"));
        var badRequest = await Assert.ThrowsAsync<StripeException>(() => Client.GetPaymentIntentAsync("pi_locked"));

        Assert.Equal((StripeErrorKind.ServerError, false), (serverError.Kind, serverError.IsRetryable));
        Assert.Equal((StripeErrorKind.InvalidRequest, true), (badRequest.Kind, badRequest.IsRetryable));
    }

    [Fact]
    public async Task CreateAuthorizationHold_NoResponseWithinTimeout_IsRetryableTimeout()
    {
        using var impatient = new StripeTestServices(_stripe.BaseUrl, requestTimeout: TimeSpan.FromMilliseconds(300));
        _stripe.DelayNext("/v1/payment_intents", Timeout.InfiniteTimeSpan);

        var error = await Assert.ThrowsAsync<StripeException>(() => impatient.Client.CreateAuthorizationHoldAsync(
            new AuthorizationHoldRequest(5000, "pm_card_visa", "charging-11"), "charging-11/hold"));

        Assert.Equal((StripeErrorKind.Timeout, true, (int?)null), (error.Kind, error.IsRetryable, error.HttpStatus));
        Assert.Empty(await _stripe.GetPaymentIntentsAsync());
    }

    [Fact]
    public async Task CreateAuthorizationHold_TimeoutAfterStripeActed_RetryWithSameKeyReturnsTheSameHold()
    {
        using var impatient = new StripeTestServices(_stripe.BaseUrl, requestTimeout: TimeSpan.FromMilliseconds(300));
        var request = new AuthorizationHoldRequest(5000, "pm_card_visa", "charging-12");
        _stripe.DelayNext("/v1/payment_intents", Timeout.InfiniteTimeSpan, afterExecution: true);

        var error = await Assert.ThrowsAsync<StripeException>(() => impatient.Client.CreateAuthorizationHoldAsync(request, "charging-12/hold"));
        var retried = await impatient.Client.CreateAuthorizationHoldAsync(request, "charging-12/hold");

        Assert.True(error.IsRetryable);
        var only = Assert.Single(await _stripe.GetPaymentIntentsAsync());
        Assert.Equal((only.Id, PaymentIntentStatus.RequiresCapture), (retried.Id, retried.Status));
    }

    [Fact]
    public async Task CallerCancellation_IsNotDisguisedAsAStripeFailure()
    {
        _stripe.DelayNext("/v1/payment_intents/pi_slow", Timeout.InfiniteTimeSpan);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client.GetPaymentIntentAsync("pi_slow", cancellation.Token));
    }

    [Fact]
    public async Task NoServerListening_IsRetryableConnectionFailure()
    {
        var gone = await StripeStandIn.StartAsync();
        var baseUrl = gone.BaseUrl;
        await gone.DisposeAsync();
        using var services = new StripeTestServices(baseUrl);

        var error = await Assert.ThrowsAsync<StripeException>(() => services.Client.GetPaymentIntentAsync("pi_any"));

        Assert.Equal((StripeErrorKind.ConnectionFailure, true), (error.Kind, error.IsRetryable));
    }

    // ------------------------------------------------------------------ configuration and secrets

    [Fact]
    public async Task RejectedApiKey_IsNonRetryableUnauthorized_AndTheKeyIsNeverLogged()
    {
        const string RestrictedKey = "rk_test_notacceptedbythestandin";
        using var services = new StripeTestServices(_stripe.BaseUrl, apiKey: RestrictedKey);

        var error = await Assert.ThrowsAsync<StripeException>(() => services.Client.CreateCustomerAsync(new CreateCustomerRequest(), "driver-7/customer"));

        Assert.Equal((StripeErrorKind.Unauthorized, 401, false), (error.Kind, error.HttpStatus, error.IsRetryable));
        Assert.DoesNotContain(RestrictedKey, error.ToString(), StringComparison.Ordinal);
        Assert.NotEmpty(services.Logs.Lines);
        Assert.All(services.Logs.Lines, line => Assert.DoesNotContain(RestrictedKey, line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SuccessfulCalls_LogWithoutTheApiKey()
    {
        await Client.CreateCustomerAsync(new CreateCustomerRequest(), "driver-8/customer");

        Assert.Contains(_services.Logs.Lines, line => line.Contains("driver-8/customer", StringComparison.Ordinal));
        // The HTTP client factory logs request headers at Trace level: they are there, redacted.
        Assert.Contains(_services.Logs.Lines, line => line.Contains("Authorization: *", StringComparison.Ordinal));
        Assert.All(_services.Logs.Lines, line => Assert.DoesNotContain(StripeStandIn.ApiKey, line, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("pk_test_publishablekey")]
    [InlineData("")]
    public void Options_WithoutASecretKey_FailValidation(string apiKey)
    {
        using var services = new StripeTestServices("http://127.0.0.1:1/", apiKey: apiKey);

        var error = Assert.Throws<OptionsValidationException>(() => services.Get<IOptions<StripeOptions>>().Value);

        Assert.Contains("ApiKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MutatingCall_WithoutIdempotencyKey_IsRejectedBeforeAnyRequest()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Client.CapturePaymentIntentAsync("pi_x", null, " "));

        Assert.Empty(_stripe.Requests);
    }

    // ------------------------------------------------------------------ helpers

    private async Task<(string Customer, string Card)> CustomerWithCardAsync(string token)
    {
        var customer = await Client.CreateCustomerAsync(new CreateCustomerRequest(), $"setup-{token}/customer");
        var card = await Client.AttachDefaultPaymentMethodAsync(customer.Id, token, $"setup-{token}/card");
        return (customer.Id, card.Id);
    }

    private async Task<StripePaymentIntent> HoldAsync(long amount)
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");
        return await Client.CreateAuthorizationHoldAsync(new AuthorizationHoldRequest(amount, card, "charging-7") { CustomerId = customer }, "charging-7/hold");
    }

    private async Task<StripePaymentIntent> ChargeAsync(long amount, string key)
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");
        return await Client.ChargeSavedCardOffSessionAsync(new OffSessionPaymentRequest(amount, customer, card, key.Split('/')[0]), key);
    }
}
