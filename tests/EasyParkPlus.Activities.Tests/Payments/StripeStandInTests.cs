using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EasyParkPlus.TestSupport.Stripe;

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

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.Status, second.Status));
        Assert.Equal(first.Body, second.Body);
        Assert.Equal((false, true), (first.Replayed, second.Replayed));
        Assert.Single(await _stripe.GetPaymentIntentsAsync());
    }

    [Fact]
    public async Task SameKey_ParametersInAnotherOrder_IsTheSameRequest()
    {
        var first = await PostAsync("v1/customers", "email=a%40example.com&metadata[driver_id]=1", "k-2");
        var second = await PostAsync("v1/customers", "metadata%5Bdriver_id%5D=1&email=a@example.com", "k-2");

        Assert.Equal((first.Body, true), (second.Body, second.Replayed));
    }

    [Fact]
    public async Task DeclinedConfirmation_Is402_AndIsReplayedUnderTheSameKey()
    {
        const string Form = "amount=700&currency=usd&payment_method=pm_card_chargeDeclined&allowed_payment_method_types[]=card&confirm=true";

        var first = await PostAsync("v1/payment_intents", Form, "k-3");
        var second = await PostAsync("v1/payment_intents", Form, "k-3");

        Assert.Equal(HttpStatusCode.PaymentRequired, first.Status);
        var error = JsonDocument.Parse(first.Body).RootElement.GetProperty("error");
        Assert.Equal(("card_error", "card_declined", "generic_decline"),
            (error.GetProperty("type").GetString(), error.GetProperty("code").GetString(), error.GetProperty("decline_code").GetString()));
        Assert.Equal("requires_payment_method", error.GetProperty("payment_intent").GetProperty("status").GetString());
        Assert.Equal((HttpStatusCode.PaymentRequired, first.Body, true), (second.Status, second.Body, second.Replayed));
        Assert.Single(await _stripe.GetPaymentIntentsAsync());
    }

    [Fact]
    public async Task MalformedRequest_IsNotStored_SoACorrectedRetryWithTheSameKeyRuns()
    {
        var typo = await PostAsync("v1/payment_intents", "amout=700&currency=usd", "k-4");
        var corrected = await PostAsync("v1/payment_intents", "amount=700&currency=usd", "k-4");

        Assert.Equal(HttpStatusCode.BadRequest, typo.Status);
        Assert.Contains("\"parameter_unknown\"", typo.Body, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, false), (corrected.Status, corrected.Replayed));
        Assert.Equal("requires_payment_method", JsonDocument.Parse(corrected.Body).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task CreateThenConfirm_MovesThroughStripesStatuses()
    {
        var created = await PostAsync("v1/payment_intents", "amount=900&currency=usd&payment_method=pm_card_amex&allowed_payment_method_types[]=card", "k-5");
        var id = JsonDocument.Parse(created.Body).RootElement.GetProperty("id").GetString();
        var confirmed = await PostAsync($"v1/payment_intents/{id}/confirm", "", "k-6");

        Assert.Equal("requires_confirmation", JsonDocument.Parse(created.Body).RootElement.GetProperty("status").GetString());
        Assert.Equal("succeeded", JsonDocument.Parse(confirmed.Body).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ConfirmWithoutPaymentMethodTypesOrReturnUrl_IsRefusedAsStripeDoesSince2023()
    {
        var response = await PostAsync("v1/payment_intents", "amount=900&currency=usd&payment_method=pm_card_visa&confirm=true", "k-7");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains("return_url", response.Body, StringComparison.Ordinal);
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

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task JsonBody_IsRefusedBecauseStripeV1TakesFormEncoding()
    {
        using var content = new StringContent("{\"amount\":700}", Encoding.UTF8, "application/json");

        using var response = await _http.PostAsync(new Uri("v1/payment_intents", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await _stripe.GetPaymentIntentsAsync());
    }

    [Fact]
    public async Task UnknownUrl_Is404()
    {
        using var response = await _http.GetAsync(new Uri("v1/charges_typo", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
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
