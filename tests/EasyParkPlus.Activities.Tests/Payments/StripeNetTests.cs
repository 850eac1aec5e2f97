using EasyParkPlus.Activities.Payments;
using EasyParkPlus.LocalStripe;
using Microsoft.Extensions.Options;
using Stripe;

namespace EasyParkPlus.Activities.Tests.Payments;

/// <summary>
/// Stripe.net, wired as production wires it (<see cref="StripeServiceCollectionExtensions.AddStripe(Microsoft.Extensions.DependencyInjection.IServiceCollection)"/>),
/// against the stand-in over real HTTP: what it sends, and how <see cref="StripeFailure"/> classifies what goes wrong.
/// </summary>
public sealed class StripeNetTests : IAsyncLifetime
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

    // ------------------------------------------------------------------ what Stripe.net sends

    [Fact]
    public async Task PaymentIntentsCreate_OffSessionCharge_SendsStripesFormEncodingVersionAndKey()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");

        var payment = await Client.V1.PaymentIntents.CreateAsync(OffSession(1250, customer, card), Key("parking-123/charge-exit"));

        payment.Status.Should().Be("succeeded");
        (payment.Amount, payment.AmountReceived, payment.AmountCapturable).Should().Be((1250L, 1250L, 0L));
        payment.AllowedPaymentMethodTypes.Should().Equal("card");
        payment.LatestChargeId.Should().StartWith("ch_");
        var sent = _stripe.Requests.Single(r => r.Path == "/v1/payment_intents");
        sent.IdempotencyKey.Should().Be("parking-123/charge-exit");
        sent.StripeVersion.Should().Be(StripeConfiguration.ApiVersion).And.Be(StripeStandIn.DefaultApiVersion);
        sent.ContentType.Should().StartWith("application/x-www-form-urlencoded");
        sent.Parameters.Should().Contain(
        [
            new("allowed_payment_method_types[0]", "card"), new("amount", "1250"), new("confirm", "true"), new("off_session", "true"),
            new("customer", customer), new("payment_method", card), new("metadata[workflow_id]", "parking-123"),
        ]);
    }

    [Fact]
    public async Task PaymentIntentsCreate_OldParameterNameOnTheNewApiVersion_IsRefusedAsUnknown()
    {
        var options = new PaymentIntentCreateOptions { Amount = 900, Currency = "usd", PaymentMethod = "pm_card_visa", Confirm = true };
        options.AddExtraParam("payment_method_types[0]", "card");

        var failure = await FailureOfAsync(() => Client.V1.PaymentIntents.CreateAsync(options, Key("old-name")));

        (failure.Kind, failure.Code, failure.IsRetryable).Should().Be((StripeFailureKind.InvalidRequest, "parameter_unknown", false));
        (await _stripe.GetPaymentIntentsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task PaymentIntentsCreate_AutomaticPaymentMethodsWithoutRedirects_ConfirmsWithoutReturnUrl()
    {
        var intent = await Client.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = 700,
            Currency = "usd",
            PaymentMethod = "pm_card_visa",
            Confirm = true,
            AutomaticPaymentMethods = new() { Enabled = true, AllowRedirects = "never" },
        }, Key("automatic"));

        intent.Status.Should().Be("succeeded");
    }

    [Fact]
    public async Task CustomersUpdate_DefaultPaymentMethod_IsTheAttachedCardAndListedByPaymentMethodsList()
    {
        var customer = await Client.V1.Customers.CreateAsync(
            new CustomerCreateOptions { Email = "driver@example.com", Metadata = new() { ["driver_id"] = "42" } }, Key("driver-1/customer"));

        var card = await Client.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = customer.Id }, Key("driver-1/card/attach"));
        var updated = await Client.V1.Customers.UpdateAsync(
            customer.Id, new CustomerUpdateOptions { InvoiceSettings = new() { DefaultPaymentMethod = card.Id } }, Key("driver-1/card/default"));
        var listed = await Client.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id, Type = "card" });

        (customer.Email, customer.Metadata["driver_id"]).Should().Be(("driver@example.com", "42"));
        card.Id.Should().NotBe("pm_card_visa", "a test token becomes a payment method of its own");
        (card.CustomerId, card.Card.Brand, card.Card.Last4).Should().Be((customer.Id, "visa", "4242"));
        updated.InvoiceSettings.DefaultPaymentMethodId.Should().Be(card.Id);
        listed.Data.Select(m => m.Id).Should().Equal(card.Id);
        _stripe.Requests.Should().ContainSingle(r => r.Method == "GET" && r.Path == "/v1/payment_methods");
    }

    [Fact]
    public async Task PaymentMethodsListAutoPaging_MoreThanOnePage_ReturnsEveryCard()
    {
        var customer = await Client.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("driver-2/customer"));
        var attached = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            attached.Add((await Client.V1.PaymentMethods.AttachAsync("pm_card_mastercard", new() { Customer = customer.Id }, Key($"driver-2/card-{i}"))).Id);
        }

        var cards = new List<string>();
        await foreach (var card in Client.V1.PaymentMethods.ListAutoPagingAsync(new PaymentMethodListOptions { Customer = customer.Id, Type = "card", Limit = 5 }))
        {
            cards.Add(card.Id);
        }

        cards.Should().BeEquivalentTo(attached);
        _stripe.Requests.Count(r => r.Method == "GET").Should().Be(3);
    }

    // ------------------------------------------------------------------ holds, captures, refunds

    [Fact]
    public async Task PaymentIntentsCapture_PartOfAHold_CapturesThatAmountAndReleasesTheRest()
    {
        var hold = await HoldAsync(5000);

        var captured = await Client.V1.PaymentIntents.CaptureAsync(hold.Id, new PaymentIntentCaptureOptions { AmountToCapture = 3275 }, Key("charging-7/capture"));

        (hold.Status, hold.CaptureMethod, hold.AmountCapturable).Should().Be(("requires_capture", "manual", 5000L));
        (captured.Status, captured.AmountReceived, captured.AmountCapturable).Should().Be(("succeeded", 3275L, 0L));
        _stripe.Requests.Single(r => r.Path.EndsWith("/capture", StringComparison.Ordinal)).RawBody.Should().Be("amount_to_capture=3275");
    }

    [Fact]
    public async Task PaymentIntentsCapture_AboveTheHold_IsNonRetryableInvalidRequest()
    {
        var hold = await HoldAsync(5000);

        var failure = await FailureOfAsync(() => Client.V1.PaymentIntents.CaptureAsync(hold.Id, new() { AmountToCapture = 5001 }, Key("charging-7/capture")));

        (failure.Kind, failure.HttpStatus, failure.Code, failure.IsRetryable).Should().Be((StripeFailureKind.InvalidRequest, 400, "amount_too_large", false));
        failure.RequestId.Should().StartWith("req_");
        (await Client.V1.PaymentIntents.GetAsync(hold.Id)).Status.Should().Be("requires_capture");
    }

    [Fact]
    public async Task PaymentIntentsCancel_Hold_ReleasesItAndACaptureAfterIsRefused()
    {
        var hold = await HoldAsync(5000);

        var canceled = await Client.V1.PaymentIntents.CancelAsync(hold.Id, new PaymentIntentCancelOptions { CancellationReason = "abandoned" }, Key("charging-7/cancel"));
        var capture = await FailureOfAsync(() => Client.V1.PaymentIntents.CaptureAsync(hold.Id, new(), Key("charging-7/capture")));

        (canceled.Status, canceled.AmountCapturable, canceled.CancellationReason).Should().Be(("canceled", 0L, "abandoned"));
        (capture.Code, capture.IsRetryable).Should().Be(("payment_intent_unexpected_state", false));
    }

    [Fact]
    public async Task RefundsCreate_PartThenRest_RefundsUpToTheCapturedAmountAndNoMore()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");
        var payment = await Client.V1.PaymentIntents.CreateAsync(OffSession(2000, customer, card), Key("reservation-5/charge"));

        var half = await Client.V1.Refunds.CreateAsync(
            new RefundCreateOptions { PaymentIntent = payment.Id, Amount = 1000, Reason = "requested_by_customer" }, Key("reservation-5/refund-1"));
        var rest = await Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = payment.Id }, Key("reservation-5/refund-2"));
        var more = await FailureOfAsync(() => Client.V1.Refunds.CreateAsync(new() { PaymentIntent = payment.Id, Amount = 100 }, Key("reservation-5/refund-3")));

        (half.Amount, half.Status, half.Reason).Should().Be((1000L, "succeeded", "requested_by_customer"));
        (rest.Amount, rest.PaymentIntentId, rest.ChargeId).Should().Be((1000L, payment.Id, payment.LatestChargeId));
        (more.Kind, more.IsRetryable).Should().Be((StripeFailureKind.InvalidRequest, false));
        (await _stripe.GetRefundsAsync()).Sum(r => r.Amount).Should().Be(2000);
    }

    [Fact]
    public async Task RefundsCreate_UncapturedHold_IsRefused()
    {
        var hold = await HoldAsync(5000);

        var failure = await FailureOfAsync(() => Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = hold.Id }, Key("charging-7/refund")));

        (failure.HttpStatus, failure.Code, failure.IsRetryable).Should().Be((400, "payment_intent_unexpected_state", false));
        (await _stripe.GetRefundsAsync()).Should().BeEmpty();
    }

    // ------------------------------------------------------------------ idempotency

    [Fact]
    public async Task PaymentIntentsCreate_SameIdempotencyKeyTwice_ReplaysOnePaymentIntent()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");

        var first = await Client.V1.PaymentIntents.CreateAsync(OffSession(1250, customer, card), Key("parking-123/charge-exit"));
        var second = await Client.V1.PaymentIntents.CreateAsync(OffSession(1250, customer, card), Key("parking-123/charge-exit"));

        second.Id.Should().Be(first.Id);
        second.StripeResponse.Headers.GetValues("Idempotent-Replayed").Should().Equal("true");
        (await _stripe.GetPaymentIntentsAsync()).Should().ContainSingle();
        _stripe.Requests.Where(r => r.Path == "/v1/payment_intents").Select(r => r.Replayed).Should().Equal(false, true);
    }

    [Fact]
    public async Task PaymentIntentsCreate_KeyReusedWithAnotherAmount_IsNonRetryableIdempotencyError()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");
        await Client.V1.PaymentIntents.CreateAsync(OffSession(1250, customer, card), Key("parking-123/charge-exit"));

        var failure = await FailureOfAsync(() => Client.V1.PaymentIntents.CreateAsync(OffSession(1300, customer, card), Key("parking-123/charge-exit")));

        (failure.Kind, failure.HttpStatus, failure.IsRetryable).Should().Be((StripeFailureKind.IdempotencyKeyReused, 400, false));
        (await _stripe.GetPaymentIntentsAsync()).Should().ContainSingle();
    }

    // ------------------------------------------------------------------ card failures

    [Fact]
    public async Task PaymentIntentsCreate_CardDeclined_IsNonRetryableWithItsDeclineCode()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_chargeCustomerFail");

        var thrown = (await FluentActions.Awaiting(() => Client.V1.PaymentIntents.CreateAsync(OffSession(1250, customer, card), Key("subscription-3/renew-2026-12")))
            .Should().ThrowAsync<StripeException>()).Which;
        var failure = StripeFailure.From(thrown, CancellationToken.None)!;

        (failure.Kind, failure.HttpStatus, failure.IsRetryable, failure.IsCardError).Should().Be((StripeFailureKind.CardDeclined, 402, false, true));
        (failure.Code, failure.DeclineCode, failure.StripeMessage).Should().Be(("card_declined", "generic_decline", "Your card was declined."));
        thrown.StripeError.PaymentIntent.Status.Should().Be("requires_payment_method", "Stripe returns the PaymentIntent it left behind");
        (await _stripe.GetPaymentIntentsAsync()).Should().ContainSingle(pi => pi.Status == "requires_payment_method");
    }

    [Theory]
    [InlineData("pm_card_chargeDeclined", "card_declined", "generic_decline")]
    [InlineData("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds")]
    [InlineData("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card")]
    public async Task PaymentIntentsCreate_DecliningTestCardAsHold_IsNonRetryableCardError(string token, string code, string declineCode)
    {
        var failure = await FailureOfAsync(() => Client.V1.PaymentIntents.CreateAsync(
            Hold(5000, customer: null, token), Key("charging-9/hold")));

        (failure.Kind, failure.IsRetryable, failure.Code, failure.DeclineCode).Should().Be((StripeFailureKind.CardDeclined, false, code, declineCode));
    }

    [Fact]
    public async Task PaymentIntentsCreate_OffSessionCardThatNeedsAuthentication_IsNonRetryableAuthenticationRequired()
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_authenticationRequired");

        var failure = await FailureOfAsync(() => Client.V1.PaymentIntents.CreateAsync(OffSession(20000, customer, card), Key("subscription-4/renew")));

        (failure.Kind, failure.HttpStatus, failure.Code, failure.IsRetryable).Should().Be((StripeFailureKind.AuthenticationRequired, 402, "authentication_required", false));
    }

    // ------------------------------------------------------------------ transient failures

    [Theory]
    [InlineData(429, StripeFailureKind.RateLimited)]
    [InlineData(500, StripeFailureKind.ServerError)]
    [InlineData(503, StripeFailureKind.ServerError)]
    public async Task PaymentIntentsCreate_TransientFailure_IsRetryableAndTheRetryChargesOnce(int status, StripeFailureKind kind)
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");
        _stripe.FailNext("/v1/payment_intents", status);

        var failure = await FailureOfAsync(() => Client.V1.PaymentIntents.CreateAsync(OffSession(1250, customer, card), Key("parking-5/charge-exit")));
        var retried = await Client.V1.PaymentIntents.CreateAsync(OffSession(1250, customer, card), Key("parking-5/charge-exit"));

        (failure.Kind, failure.HttpStatus, failure.IsRetryable).Should().Be((kind, status, true));
        _stripe.Requests.Count(r => r.Path == "/v1/payment_intents").Should().Be(2, "Stripe.net must not retry by itself (maxNetworkRetries: 0)");
        retried.Status.Should().Be("succeeded");
        (await _stripe.GetPaymentIntentsAsync()).Should().ContainSingle();
    }

    [Fact]
    public async Task StripeShouldRetryHeader_OverridesTheStatusClassification()
    {
        _stripe.FailNext("/v1/customers", 500, shouldRetry: false);
        _stripe.FailNext("/v1/payment_intents/pi_locked", 400, shouldRetry: true);

        var serverError = await FailureOfAsync(() => Client.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("driver-6/customer")));
        var badRequest = await FailureOfAsync(() => Client.V1.PaymentIntents.GetAsync("pi_locked"));

        (serverError.Kind, serverError.IsRetryable).Should().Be((StripeFailureKind.ServerError, false));
        (badRequest.Kind, badRequest.IsRetryable).Should().Be((StripeFailureKind.InvalidRequest, true));
    }

    [Fact]
    public async Task NoResponseWithinTheTimeout_IsRetryableTimeout_AndTheRetryWithTheSameKeyReturnsTheSameHold()
    {
        using var impatient = new StripeTestServices(_stripe.BaseUrl, requestTimeout: TimeSpan.FromMilliseconds(300));
        _stripe.DelayNext("/v1/payment_intents", Timeout.InfiniteTimeSpan, afterExecution: true);

        var failure = await FailureOfAsync(() => impatient.Client.V1.PaymentIntents.CreateAsync(Hold(5000, null, "pm_card_visa"), Key("charging-12/hold")));
        var retried = await impatient.Client.V1.PaymentIntents.CreateAsync(Hold(5000, null, "pm_card_visa"), Key("charging-12/hold"));

        (failure.Kind, failure.IsRetryable, failure.HttpStatus).Should().Be((StripeFailureKind.Timeout, true, (int?)null));
        var only = (await _stripe.GetPaymentIntentsAsync()).Should().ContainSingle().Subject;
        (retried.Id, retried.Status).Should().Be((only.Id, "requires_capture"));
    }

    [Fact]
    public async Task CallerCancellation_IsNotClassifiedAsAStripeFailure()
    {
        _stripe.DelayNext("/v1/payment_intents/pi_slow", Timeout.InfiniteTimeSpan);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var thrown = await FluentActions.Awaiting(() => Client.V1.PaymentIntents.GetAsync("pi_slow", cancellationToken: cancellation.Token))
            .Should().ThrowAsync<OperationCanceledException>();

        StripeFailure.From(thrown.Which, cancellation.Token).Should().BeNull();
    }

    [Fact]
    public async Task NoServerListening_IsRetryableConnectionFailure()
    {
        var gone = await StripeStandIn.StartAsync();
        var baseUrl = gone.BaseUrl;
        await gone.DisposeAsync();
        using var services = new StripeTestServices(baseUrl);

        var failure = await FailureOfAsync(() => services.Client.V1.PaymentIntents.GetAsync("pi_any"));

        (failure.Kind, failure.IsRetryable).Should().Be((StripeFailureKind.ConnectionFailure, true));
    }

    [Fact]
    public void ToRetryableFailure_IsARetryableApplicationFailureThatKeepsTheCause()
    {
        var cause = new HttpRequestException("reset");
        var failure = StripeFailure.From(cause, default)!;

        var activityFailure = failure.ToRetryableFailure(cause);

        (activityFailure.ErrorType, activityFailure.NonRetryable, activityFailure.InnerException).Should().Be((StripeFailure.UnavailableErrorType, false, cause));
    }

    // ------------------------------------------------------------------ configuration and secrets

    [Fact]
    public async Task RejectedApiKey_IsNonRetryableUnauthorized_AndTheKeyIsNeverLogged()
    {
        const string RestrictedKey = "rk_test_notacceptedbythestandin";
        using var services = new StripeTestServices(_stripe.BaseUrl, apiKey: RestrictedKey);

        var failure = await FailureOfAsync(() => services.Client.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("driver-7/customer")));

        (failure.Kind, failure.HttpStatus, failure.IsRetryable).Should().Be((StripeFailureKind.Unauthorized, 401, false));
        failure.Message.Should().NotContain(RestrictedKey);
        services.Logs.Lines.Should().NotBeEmpty().And.AllSatisfy(line => line.Should().NotContain(RestrictedKey));
    }

    [Fact]
    public async Task SuccessfulCalls_LogTheirRequestsWithTheAuthorizationHeaderRedacted()
    {
        await Client.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("driver-8/customer"));

        // The HTTP client factory logs request headers at Trace level: they are there, redacted.
        _services.Logs.Lines.Should().Contain(line => line.Contains("Authorization: *", StringComparison.Ordinal));
        _services.Logs.Lines.Should().AllSatisfy(line => line.Should().NotContain(StripeStandIn.ApiKey));
    }

    [Theory]
    [InlineData("pk_test_publishablekey")]
    [InlineData("")]
    public void Options_WithoutASecretKey_FailValidation(string apiKey)
    {
        using var services = new StripeTestServices("http://127.0.0.1:1/", apiKey: apiKey);

        FluentActions.Invoking(() => services.Get<IOptions<StripeOptions>>().Value)
            .Should().Throw<OptionsValidationException>().WithMessage("*ApiKey*");
    }

    // ------------------------------------------------------------------ helpers

    private static RequestOptions Key(string idempotencyKey) => new() { IdempotencyKey = idempotencyKey };

    private static PaymentIntentCreateOptions OffSession(long amount, string customer, string card) => new()
    {
        Amount = amount,
        Currency = "usd",
        Customer = customer,
        PaymentMethod = card,
        AllowedPaymentMethodTypes = ["card"],
        Confirm = true,
        OffSession = true,
        Metadata = new() { ["workflow_id"] = "parking-123" },
    };

    private static PaymentIntentCreateOptions Hold(long amount, string? customer, string card) => new()
    {
        Amount = amount,
        Currency = "usd",
        CaptureMethod = "manual",
        Customer = customer,
        PaymentMethod = card,
        AllowedPaymentMethodTypes = ["card"],
        Confirm = true,
    };

    private static async Task<StripeFailure> FailureOfAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Exception exception)
        {
            return StripeFailure.From(exception, CancellationToken.None)
                ?? throw new InvalidOperationException("Not classified as a Stripe failure.", exception);
        }
        throw new InvalidOperationException("The call succeeded.");
    }

    private async Task<(string Customer, string Card)> CustomerWithCardAsync(string token)
    {
        var customer = await Client.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key($"setup-{token}/customer"));
        var card = await Client.V1.PaymentMethods.AttachAsync(token, new PaymentMethodAttachOptions { Customer = customer.Id }, Key($"setup-{token}/card"));
        return (customer.Id, card.Id);
    }

    private async Task<PaymentIntent> HoldAsync(long amount)
    {
        var (customer, card) = await CustomerWithCardAsync("pm_card_visa");
        return await Client.V1.PaymentIntents.CreateAsync(Hold(amount, customer, card), Key("charging-7/hold"));
    }
}
