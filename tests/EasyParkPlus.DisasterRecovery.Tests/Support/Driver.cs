using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace EasyParkPlus.DisasterRecovery.Tests.Support;

/// <summary>A driver's account as the app sees it: signed in over HTTP, with a vehicle and (optionally) a saved card.</summary>
public sealed class Driver
{
    private const string Password = "correct-horse-battery-drill";

    private Driver(string email, Guid id, string plate)
    {
        Email = email;
        Id = id;
        Plate = plate;
    }

    public string Email { get; }

    public Guid Id { get; }

    public string Plate { get; }

    public static async Task<Driver> RegisterAsync(Uri api, string name, string plate, string? card = "pm_card_visa")
    {
        var email = $"{name.ToLowerInvariant().Replace(' ', '.')}-{Guid.NewGuid():N}@drill.test";
        using (var anonymous = new HttpClient { BaseAddress = api })
        {
            using var register = await anonymous.PostAsJsonAsync("api/v1/auth/register", new { email, password = Password, name });
            await Expect(register, HttpStatusCode.Created, HttpStatusCode.OK);
        }
        using var client = await SignInAsync(api, email) ?? throw new InvalidOperationException($"{email} cannot sign in right after registering.");
        var id = (await client.GetFromJsonAsync<JsonElement>("api/v1/me")).GetProperty("id").GetGuid();
        using (var vehicle = await client.PostAsJsonAsync($"api/v1/users/{id}/vehicles", new { plate, fuel = "ice", kind = "car" }))
        {
            await Expect(vehicle, HttpStatusCode.Created);
        }
        if (card is not null)
        {
            using var saved = await client.PostAsJsonAsync($"api/v1/users/{id}/payment-methods", new { paymentMethodId = card });
            await Expect(saved, HttpStatusCode.Created);
        }
        return new Driver(email, id, plate);
    }

    /// <summary>A client signed in as this driver on <paramref name="api"/> (whichever process serves the database now).</summary>
    public async Task<HttpClient> ClientAsync(Uri api) =>
        await SignInAsync(api, Email) ?? throw new InvalidOperationException($"{Email} cannot sign in.");

    /// <summary>Null when the api refuses the password: the account does not exist (any more).</summary>
    public static async Task<HttpClient?> SignInAsync(Uri api, string email)
    {
        using var anonymous = new HttpClient { BaseAddress = api };
        using var login = await anonymous.PostAsJsonAsync("api/v1/auth/login", new { email, password = Password });
        if (login.StatusCode == HttpStatusCode.Unauthorized)
        {
            return null;
        }
        await Expect(login, HttpStatusCode.OK);
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        var client = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task Expect(HttpResponseMessage response, params HttpStatusCode[] expected)
    {
        if (!expected.Contains(response.StatusCode))
        {
            throw new InvalidOperationException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
