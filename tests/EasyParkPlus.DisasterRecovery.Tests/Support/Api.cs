using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EasyParkPlus.DisasterRecovery.Tests.Support;

/// <summary>Waiting on the system the way a client would: polling its HTTP API with a deadline, never sleeping blind.</summary>
public static class Api
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    /// <summary>Polls GET <paramref name="url"/> until the body satisfies <paramref name="condition"/>.</summary>
    public static async Task<JsonElement> UntilAsync(HttpClient client, string url, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + Limit;
        var last = "";
        while (true)
        {
            using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (condition(body))
                {
                    return body;
                }
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"GET {url} never got there; last answer: {last}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>The workflow's state name from a session, reservation or charging resource (null before its first task).</summary>
    public static string? State(JsonElement resource) =>
        resource.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.Object && state.TryGetProperty("state", out var name)
            ? name.GetString()
            : null;

    public static string WorkflowStatus(JsonElement resource) => resource.GetProperty("workflowStatus").GetString()!;

    public static async Task<HttpStatusCode> StatusOfAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        return response.StatusCode;
    }

    public static async Task<JsonElement> PostAsync(HttpClient client, string url, object body, HttpStatusCode expected = HttpStatusCode.Accepted)
    {
        using var response = await client.PostAsJsonAsync(url, body);
        await Driver.Expect(response, expected);
        return response.Content.Headers.ContentLength == 0 ? default : await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
