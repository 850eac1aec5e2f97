using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.TestSupport;

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

    /// <summary>
    /// A session the driver starts and stops in the app, on a station played by charging-session.js "app": the api starts
    /// ChargingSession, whose activities hold the card, reserve power and ask the gateway for RequestStartTransaction; the
    /// station charges 12,300 Wh with a 4-minute SuspendedEV pause, drops offline and replays, and the driver's stop
    /// reaches it as RequestStopTransaction. <paramref name="atCheckpoint"/> runs at each checkpoint (name, session id)
    /// before the station goes on. Returns the session id, the workflow result and the station's last step.
    /// </summary>
    public static async Task<(Guid SessionId, JsonElement Result, JsonElement Done)> ChargeFromTheAppAsync(
        SystemFixture system, HttpClient driver, string facilityId, string stationId, Func<string, Guid, StationScript, Task>? atCheckpoint = null)
    {
        atCheckpoint ??= (_, _, _) => Task.CompletedTask;
        await using var station = Launch(system, "app", stationId, "-", "Central");
        Assert.Equal("ocpp2.0.1", (await station.NextAsync("connected")).GetProperty("protocol").GetString());
        Assert.Equal("Accepted", (await station.NextAsync("boot")).GetProperty("status").GetString());
        await station.NextAsync("plugged");
        await station.NextAsync("ready");
        using var start = await driver.PostAsJsonAsync("api/v1/charging/sessions", new { facilityId, stationId, evseId = 1 });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var sessionId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetGuid();
        await atCheckpoint("ready", sessionId, station);
        await station.ContinueAtAsync(0);
        await station.NextAsync("remoteStart");
        Assert.Equal("Accepted", (await station.NextAsync("started")).GetProperty("idTokenInfo").GetProperty("status").GetString());
        await station.NextAsync("charging");
        // The clock jumps 10 minutes next, past the session's 2-minute start timeout: the Started event is delivered to
        // the workflow asynchronously, so wait until the session has its transaction (on a loaded machine it may lag).
        using (var ops = await system.OperatorClientAsync())
        {
            await SystemWaits.WorkflowStateAsync(ops, $"charging-{sessionId}", s => s.GetProperty("state").GetString() == "charging");
        }
        await atCheckpoint("charging", sessionId, station);
        await station.ContinueAtAsync(600);
        await station.NextAsync("meterValues");
        await station.NextAsync("updated1");
        await station.NextAsync("offline");
        await atCheckpoint("offline", sessionId, station);
        await station.ContinueAtAsync(1500);
        await station.NextAsync("reconnected");
        await station.NextAsync("replay2");
        await station.NextAsync("replay1again");
        await station.NextAsync("replay3");
        await station.NextAsync("replayed");
        await station.ContinueAtAsync(2040);
        await station.NextAsync("updated4");
        await station.NextAsync("updated5");
        await station.NextAsync("stopWanted");
        system.AdvanceTo(station.Start.AddSeconds(2100));
        using (var stop = await driver.PostAsync(new Uri($"api/v1/charging/sessions/{sessionId}/stop", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        }
        await station.ContinueAtAsync(2100);
        await station.NextAsync("remoteStop");
        await station.NextAsync("ended");
        await station.NextAsync("unplugged");
        await station.NextAsync("endedSent");
        var result = await SystemWaits.ResultAsync(system, $"charging-{sessionId}");
        await atCheckpoint("endedSent", sessionId, station);
        await station.ContinueAtAsync(2110);
        var done = await station.NextAsync("done");
        Assert.Equal(0, await station.Node.ExitAsync());
        return (sessionId, result, done);
    }
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
        return await system.Temporal.WorkflowResultAsync(workflowId);
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
