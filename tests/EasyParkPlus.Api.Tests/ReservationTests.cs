using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.Engine;
using EasyParkPlus.Engine.Store;
using Microsoft.Extensions.DependencyInjection;

namespace EasyParkPlus.Api.Tests;

/// <summary>
/// Reservations through the whole system (api with its worker, the real gateway, PostgreSQL, the Stripe stand-in): which
/// slots may be booked at all, and arrivals judged by the gate's device time however late the event is delivered.
/// </summary>
public sealed class ReservationTests(SystemFixture system) : IClassFixture<SystemFixture>
{
    private async Task<(HttpClient Driver, Guid CustomerId)> DriverWithCardAsync()
    {
        var (driver, _) = await system.NewDriverAsync("Reserving Driver");
        var me = (await driver.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();
        using var card = await driver.PostAsJsonAsync($"api/v1/users/{me}/payment-methods", new { paymentMethodId = "pm_card_visa" });
        card.StatusCode.Should().Be(HttpStatusCode.Created);
        return (driver, me);
    }

    private static (DateTimeOffset Start, DateTimeOffset End) Slot(string slot, DateTimeOffset now) => slot switch
    {
        "started ten minutes ago" => (now.AddMinutes(-10), now.AddHours(2)),
        "started yesterday" => (now.AddDays(-1), now.AddHours(1)),
        "91 days ahead" => (now.AddDays(91), now.AddDays(91).AddHours(2)),
        "in the year 9999" => (new DateTimeOffset(9999, 12, 31, 20, 0, 0, TimeSpan.Zero), new DateTimeOffset(9999, 12, 31, 22, 0, 0, TimeSpan.Zero)),
        "in the year 1" => (DateTimeOffset.MinValue, DateTimeOffset.MinValue.AddHours(2)),
        "7 days and a minute long" => (now.AddHours(1), now.AddHours(1).AddDays(7).AddMinutes(1)),
        _ => throw new ArgumentOutOfRangeException(nameof(slot), slot, null),
    };

    [Theory]
    [InlineData("started ten minutes ago")]
    [InlineData("started yesterday")]
    [InlineData("91 days ahead")]
    [InlineData("in the year 9999")]
    [InlineData("in the year 1")]
    [InlineData("7 days and a minute long")]
    public async Task Create_SlotOutsideBookingRules_422AndNothingCharged(string slot)
    {
        var (driver, customerId) = await DriverWithCardAsync();
        using var _ = driver;
        var intentsBefore = (await system.Stripe.GetPaymentIntentsAsync()).Count;
        var (start, end) = Slot(slot, system.Clock.GetUtcNow());

        using var response = await driver.PostAsJsonAsync("api/v1/reservations", new { facilityId = "BOS", spaceType = "regular", slotStart = start, slotEnd = end });

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").EnumerateObject().Should().NotBeEmpty();
        var reservations = await system.Services.GetRequiredService<IWorkflowClient>().ListWorkflowsAsync(new WorkflowListQuery
        {
            WorkflowType = "Reservation",
            SearchAttributes = new Dictionary<string, object?> { ["CustomerId"] = customerId.ToString() },
        });
        reservations.Executions.Should().BeEmpty();
        (await system.RowsAsync("SELECT id FROM reservation.reservations WHERE customer_id = $1", customerId)).Should().BeEmpty();
        (await system.Stripe.GetPaymentIntentsAsync()).Should().HaveCount(intentsBefore);
    }

    [Fact]
    public async Task Create_SlotStartedFourMinutesAgo_IsWithinToleranceAndBooked()
    {
        var (driver, _) = await DriverWithCardAsync();
        using var _ = driver;
        var start = system.Clock.GetUtcNow().AddMinutes(-4);

        using var response = await driver.PostAsJsonAsync("api/v1/reservations",
            new { facilityId = "BOS", spaceType = "regular", slotStart = start, slotEnd = start.AddHours(2) });

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }
}
