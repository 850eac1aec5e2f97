using System.Net.Http.Json;
using System.Text.Json;

namespace EasyParkPlus.Api.Tests.Support;

public static class StatusPolling
{
    /// <summary>
    /// Polls a workflow resource's Status query over HTTP until its <c>state.state</c> reads <paramref name="state"/> and
    /// returns that <c>state</c> object; bounded by a deadline, never a sleep. An answer that is not a success (the
    /// workflow not started yet) is polled again.
    /// </summary>
    public static async Task<JsonElement> WaitForStateAsync(this HttpClient client, string url, string state)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
            if (response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (body.GetProperty("state") is { ValueKind: JsonValueKind.Object } current && current.GetProperty("state").GetString() == state)
                {
                    return current;
                }
            }
            DateTimeOffset.UtcNow.Should().BeBefore(deadline, $"{url} should reach {state}");
            await Task.Yield();
        }
    }
}
