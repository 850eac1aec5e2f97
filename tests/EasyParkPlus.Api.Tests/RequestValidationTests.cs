using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.Data.Accounts;

namespace EasyParkPlus.Api.Tests;

/// <summary>
/// The request records are checked by .NET's built-in validation (data annotations, AddValidation) before a handler runs:
/// 400, a validation problem with each field under its JSON name and the api's own message, and nothing stored.
/// </summary>
public sealed class RequestValidationTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Register_EveryFieldInvalid_400WithOneMessagePerJsonFieldAndNoAccount()
    {
        using var client = api.CreateClient();
        var email = $"valid-{Guid.NewGuid():N}@example.test";

        using var refused = await client.PostAsJsonAsync("api/v1/auth/register", new { email = "not an address", password = "short", name = "a\u0001b" });
        using var refusedWithGoodEmail = await client.PostAsJsonAsync("api/v1/auth/register", new { email, password = "short", name = "Valid Name" });

        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        refused.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Errors(problem).Should().BeEquivalentTo(new Dictionary<string, string[]>
        {
            ["email"] = ["'email' is not a valid e-mail address."],
            ["password"] = ["'password' must be at least 10 characters."],
            ["name"] = ["'name' must not contain control characters."],
        });
        problem.GetProperty("status").GetInt32().Should().Be(400);
        problem.TryGetProperty("correlationId", out _).Should().BeTrue("every problem carries the correlation id");
        refusedWithGoodEmail.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        Errors(await refusedWithGoodEmail.Content.ReadFromJsonAsync<JsonElement>()).Keys.Should().Equal("password");
        // Nothing was stored by the refused request: the same e-mail registers afterwards.
        using var accepted = await client.PostAsJsonAsync("api/v1/auth/register", new { email, password = "long-enough-password", name = "Valid Name" });
        accepted.StatusCode.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task AddVehicle_BlankPlateNumericFuelAndUnknownKind_400NamingEachField()
    {
        var (client, _) = await api.NewDriverAsync();
        using var driver = client;
        var me = await driver.GetFromJsonAsync<JsonElement>("api/v1/me");

        using var response = await driver.PostAsJsonAsync($"api/v1/users/{me.GetProperty("id").GetGuid()}/vehicles",
            new { plate = "   ", fuel = "3", kind = "Hovercraft", nickname = new string('n', 61) });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var errors = Errors(await response.Content.ReadFromJsonAsync<JsonElement>());
        errors.Should().BeEquivalentTo(new Dictionary<string, string[]>
        {
            ["plate"] = ["'plate' is required."],
            ["fuel"] = [$"'fuel' must be one of: {string.Join(", ", Enum.GetNames<FuelType>().Select(n => n.ToLowerInvariant()))}."],
            ["kind"] = [$"'kind' must be one of: {string.Join(", ", Enum.GetNames<VehicleKind>().Select(n => n.ToLowerInvariant()))}."],
            ["nickname"] = ["'nickname' must be at most 60 characters."],
        });
        (await driver.GetFromJsonAsync<JsonElement>($"api/v1/users/{me.GetProperty("id").GetGuid()}/vehicles")).GetArrayLength().Should().Be(0);
    }

    private static Dictionary<string, string?[]> Errors(JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().ToDictionary(e => e.Name, e => e.Value.EnumerateArray().Select(m => m.GetString()).ToArray());
}
