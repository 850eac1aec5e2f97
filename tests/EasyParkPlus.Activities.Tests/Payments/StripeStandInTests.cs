using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EasyParkPlus.LocalStripe;

namespace EasyParkPlus.Activities.Tests.Payments;

/// <summary>The stand-in itself, spoken to in raw HTTP: the Stripe behaviours the client tests rely on.</summary>
public sealed class StripeStandInTests : IAsyncLifetime
{
    private StripeStandIn _stripe = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _stripe = await StripeStandIn.StartAsync();
        _http = new HttpClient { BaseAddress = _stripe.BaseUri };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", StripeStandIn.ApiKey);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _stripe.DisposeAsync();
    }

    [Fact]
    public async Task SameKeyAndParameters_ReplaysTheFirstResponseByteForByte()
    {
        var first = await PostAsync("v1/payment_intents", "amount=700&currency=usd&payment_method=pm_card_visa&allowed_payment_method_types[]=card&confirm=true", "k-1");
        var second = await PostAsync("v1/payment_intents", "amount=700&currency=usd&payment_method=pm_card_visa&allowed_payment_method_types[]=card&confirm=true", "k-1");

        (first.Status, second.Status).Should().Be((HttpStatusCode.OK, HttpStatusCode.OK));
        second.Body.Should().Be(first.Body);
        (first.Replayed, second.Replayed).Should().Be((false, true));
        (await _stripe.GetPaymentIntentsAsync()).Should().ContainSingle();
    }

    [Fact]
    public async Task SameKey_ParametersInAnotherOrder_IsTheSameRequest()
    {
        var first = await PostAsync("v1/customers", "email=a%40example.com&metadata[driver_id]=1", "k-2");
        var second = await PostAsync("v1/customers", "metadata%5Bdriver_id%5D=1&email=a@example.com", "k-2");

        (second.Body, second.Replayed).Should().Be((first.Body, true));
    }

    [Fact]
    public async Task DeclinedConfirmation_Is402_AndIsReplayedUnderTheSameKey()
    {
        const string Form = "amount=700&currency=usd&payment_method=pm_card_chargeDeclined&allowed_payment_method_types[]=card&confirm=true";

        var first = await PostAsync("v1/payment_intents", Form, "k-3");
        var second = await PostAsync("v1/payment_intents", Form, "k-3");

        first.Status.Should().Be(HttpStatusCode.PaymentRequired);
        var error = JsonDocument.Parse(first.Body).RootElement.GetProperty("error");
        (error.GetProperty("type").GetString(), error.GetProperty("code").GetString(), error.GetProperty("decline_code").GetString()).Should().Be(("card_error", "card_declined", "generic_decline"));
        error.GetProperty("payment_intent").GetProperty("status").GetString().Should().Be("requires_payment_method");
        (second.Status, second.Body, second.Replayed).Should().Be((HttpStatusCode.PaymentRequired, first.Body, true));
        (await _stripe.GetPaymentIntentsAsync()).Should().ContainSingle();
    }

    [Fact]
    public async Task MalformedRequest_IsNotStored_SoACorrectedRetryWithTheSameKeyRuns()
    {
        var typo = await PostAsync("v1/payment_intents", "amout=700&currency=usd", "k-4");
        var corrected = await PostAsync("v1/payment_intents", "amount=700&currency=usd", "k-4");

        typo.Status.Should().Be(HttpStatusCode.BadRequest);
        typo.Body.Should().Contain("\"parameter_unknown\"");
        (corrected.Status, corrected.Replayed).Should().Be((HttpStatusCode.OK, false));
        JsonDocument.Parse(corrected.Body).RootElement.GetProperty("status").GetString().Should().Be("requires_payment_method");
    }

    [Fact]
    public async Task CreateThenConfirm_MovesThroughStripesStatuses()
    {
        var created = await PostAsync("v1/payment_intents", "amount=900&currency=usd&payment_method=pm_card_amex&allowed_payment_method_types[]=card", "k-5");
        var id = JsonDocument.Parse(created.Body).RootElement.GetProperty("id").GetString();
        var confirmed = await PostAsync($"v1/payment_intents/{id}/confirm", "", "k-6");

        JsonDocument.Parse(created.Body).RootElement.GetProperty("status").GetString().Should().Be("requires_confirmation");
        JsonDocument.Parse(confirmed.Body).RootElement.GetProperty("status").GetString().Should().Be("succeeded");
    }

    [Fact]
    public async Task ConfirmWithoutPaymentMethodTypesOrReturnUrl_IsRefusedAsStripeDoesSince2023()
    {
        var response = await PostAsync("v1/payment_intents", "amount=900&currency=usd&payment_method=pm_card_visa&confirm=true", "k-7");

        response.Status.Should().Be(HttpStatusCode.BadRequest);
        response.Body.Should().Contain("return_url");
    }

    [Fact]
    public async Task PaymentMethodTypes_IsTheParameterNameBeforeApiVersion20261028Only()
    {
        const string Form = "amount=900&currency=usd&payment_method=pm_card_visa&payment_method_types[]=card&confirm=true";

        var current = await PostAsync("v1/payment_intents", Form, "k-8");
        var older = await PostAsync("v1/payment_intents", Form, "k-9", stripeVersion: "2025-03-31.basil");

        current.Status.Should().Be(HttpStatusCode.BadRequest);
        current.Body.Should().Contain("parameter_unknown");
        older.Status.Should().Be(HttpStatusCode.OK);
        JsonDocument.Parse(older.Body).RootElement.GetProperty("status").GetString().Should().Be("succeeded");
    }

    [Fact]
    public async Task PaymentMethodsList_ByCustomer_ListsThatCustomersCardsNewestFirst()
    {
        var customer = JsonDocument.Parse((await PostAsync("v1/customers", "", "k-10")).Body).RootElement.GetProperty("id").GetString();
        var first = JsonDocument.Parse((await PostAsync("v1/payment_methods/pm_card_visa/attach", $"customer={customer}", "k-11")).Body).RootElement.GetProperty("id").GetString();
        var second = JsonDocument.Parse((await PostAsync("v1/payment_methods/pm_card_amex/attach", $"customer={customer}", "k-12")).Body).RootElement.GetProperty("id").GetString();

        using var response = await _http.GetAsync(new Uri($"v1/payment_methods?customer={customer}&type=card", UriKind.Relative));
        var list = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        list.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).Should().Equal(second, first);
        list.GetProperty("has_more").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task MissingApiKey_Is401InStripesErrorShape()
    {
        using var anonymous = new HttpClient { BaseAddress = _stripe.BaseUri };

        using var response = await anonymous.GetAsync(new Uri("v1/payment_intents/pi_1", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        error.GetProperty("type").GetString().Should().Be("invalid_request_error");
    }

    [Fact]
    public async Task JsonBody_IsRefusedBecauseStripeV1TakesFormEncoding()
    {
        using var content = new StringContent("{\"amount\":700}", Encoding.UTF8, "application/json");

        using var response = await _http.PostAsync(new Uri("v1/payment_intents", UriKind.Relative), content);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await _stripe.GetPaymentIntentsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task UnknownUrl_Is404()
    {
        using var response = await _http.GetAsync(new Uri("v1/charges_typo", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private async Task<(HttpStatusCode Status, string Body, bool Replayed)> PostAsync(string path, string form, string idempotencyKey, string? stripeVersion = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (stripeVersion is not null)
        {
            request.Headers.Add("Stripe-Version", stripeVersion);
        }
        using var response = await _http.SendAsync(request);
        var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), replayed);
    }
}
