using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;

namespace EasyParkPlus.Api.Tests;

public sealed class PaymentMethodTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task AddCard_AttachesWithStripe_NewestIsDefault_OthersCannotSeeIt()
    {
        var (driver, _) = await api.NewDriverAsync();
        var (other, _) = await api.NewDriverAsync();
        using (driver)
        using (other)
        {
            var me = (await driver.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();

            using var visa = await driver.PostAsJsonAsync($"api/v1/users/{me}/payment-methods", new { paymentMethodId = "pm_card_visa" });
            using var mastercard = await driver.PostAsJsonAsync($"api/v1/users/{me}/payment-methods", new { paymentMethodId = "pm_card_mastercard" });
            using var bogus = await driver.PostAsJsonAsync($"api/v1/users/{me}/payment-methods", new { paymentMethodId = "card-4242" });
            using var foreign = await other.GetAsync(new Uri($"api/v1/users/{me}/payment-methods", UriKind.Relative));
            var cards = await driver.GetFromJsonAsync<JsonElement>($"api/v1/users/{me}/payment-methods");

            Assert.Equal(HttpStatusCode.Created, visa.StatusCode);
            Assert.Equal(HttpStatusCode.Created, mastercard.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, bogus.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
            Assert.Equal(2, cards.GetArrayLength());
            Assert.Equal([true, false], cards.EnumerateArray().Select(c => c.GetProperty("isDefault").GetBoolean()));
            // The stand-in saw a customer for this driver and two attachments.
            Assert.Contains(api.Stripe.Requests, r => r.Path.EndsWith("/v1/customers", StringComparison.Ordinal));
            Assert.Equal(2, api.Stripe.Requests.Count(r => r.Path.EndsWith("/attach", StringComparison.Ordinal)));
        }
    }
}
