using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Engine;
using EasyParkPlus.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace EasyParkPlus.Api.Tests.Support;

/// <summary>
/// Drives node/charging-session.js (ocpp-rpc, strict mode) against the <see cref="SystemFixture"/>: at each of the
/// script's checkpoints the shared clock is moved to the station's device time, so engine timers and device
/// timestamps agree as they would in a real session. Device times are <see cref="Start"/> + the script's offsets.
/// </summary>
public sealed class StationScript : IAsyncDisposable
{
    private readonly SystemFixture _system;
    private readonly NodeConversation _node;

    private StationScript(SystemFixture system, NodeConversation node, DateTimeOffset start)
    {
        _system = system;
        _node = node;
        Start = start;
    }

    public DateTimeOffset Start { get; }

    public NodeConversation Node => _node;

    /// <summary>Starts the station in <paramref name="mode"/> "app" or "charger", its device clock at the system's now (whole seconds).</summary>
    public static StationScript Launch(SystemFixture system, string mode, string stationId, string idToken, string idTokenType)
    {
        var now = system.Clock.GetUtcNow();
        var start = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var node = NodeConversation.Start("charging-session.js", system.OcppEndpoint.ToString(), stationId, SystemFixture.StationPassword,
            start.ToString("O"), mode, idToken, idTokenType);
        return new StationScript(system, node, start);
    }

    public Task<JsonElement> NextAsync(string step) => _node.NextAsync(step);

    /// <summary>Moves the clock to the device time <paramref name="seconds"/> after <see cref="Start"/>, then lets the script go on.</summary>
    public Task ContinueAtAsync(int seconds)
    {
        _system.AdvanceTo(Start.AddSeconds(seconds));
        return _node.ContinueAsync();
    }

    public ValueTask DisposeAsync() => _node.DisposeAsync();
}

/// <summary>Waiting on workflows through the api the way a client would: the operator's workflow detail (its Status query).</summary>
public static class SystemWaits
{
    /// <summary>Polls GET /api/v1/workflows/{id} until its state satisfies <paramref name="condition"/>; each poll is a round trip, bounded by a deadline.</summary>
    public static async Task<JsonElement> WorkflowStateAsync(HttpClient operatorClient, string workflowId, Func<JsonElement, bool> condition)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await operatorClient.GetAsync(new Uri($"api/v1/workflows/{workflowId}", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (body.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.Object && condition(state))
                {
                    return state;
                }
                Assert.True(DateTimeOffset.UtcNow < deadline, $"{workflowId} never reached the expected state: {body}");
            }
            else
            {
                Assert.True(DateTimeOffset.UtcNow < deadline, $"{workflowId}: {response.StatusCode}");
            }
            await Task.Yield();
        }
    }

    /// <summary>The closed run's result (the worker runs in the api process; the test never sleeps).</summary>
    public static async Task<JsonElement> ResultAsync(SystemFixture system, string workflowId)
    {
        var result = await system.Services.GetRequiredService<IWorkflowClient>().GetWorkflowResultAsync(workflowId, null).WaitAsync(TimeSpan.FromSeconds(60));
        return result ?? throw new InvalidOperationException($"{workflowId} closed without a result.");
    }

    /// <summary>The running ChargingSession on a station, found the way an operator would (list filtered by type, status, facility).</summary>
    public static async Task<string> RunningChargingSessionAsync(HttpClient operatorClient, string facilityId, string stationId)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            var list = await operatorClient.GetFromJsonAsync<JsonElement>($"api/v1/workflows?type=ChargingSession&status=running&facility={facilityId}");
            var match = list.GetProperty("workflows").EnumerateArray()
                .Where(w => w.TryGetProperty("searchAttributes", out var attributes) && attributes.TryGetProperty("StationId", out var station) && station.GetString() == stationId)
                .Select(w => w.GetProperty("workflowId").GetString()).FirstOrDefault();
            if (match is not null)
            {
                return match;
            }
            Assert.True(DateTimeOffset.UtcNow < deadline, $"No running ChargingSession on {stationId}: {list}");
            await Task.Yield();
        }
    }
}
