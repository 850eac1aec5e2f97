using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EasyParkPlus.Activities.Gateway;
using EasyParkPlus.Data.GatewayApi;
using EasyParkPlus.TestSupport;
using EasyParkPlus.LocalStripe;
using EasyParkPlus.Workflows.Parking;
using Temporalio.Api.Enums.V1;
using Temporalio.Converters;

namespace EasyParkPlus.Workflows.Tests.EndToEnd;

/// <summary>
/// Issue 13, must-show 2: an operator's journey through the real Temporal Web UI that the collection's server serves
/// (<c>--ui-port</c>), in Debian's headless Chromium driven by playwright-core (browser/webui-journey.mjs), over parking
/// and charging sessions started through the api process. Screenshots go to artifacts/test/webui.
/// </summary>
[Collection(WholeSystemCollection.Name)]
public sealed class WebUiJourneyTests(WholeSystemServer server)
{
    private const string DevelopmentPassword = "webui-e2e-operator-password";
    private const string ExitGate = "BOS-GATE-OUT-01";
    private const string Station = "BOS-CH-01";
    private static readonly string Browser = Path.Combine(ServiceProcess.RepositoryRoot(), "tests", "EasyParkPlus.Workflows.Tests", "EndToEnd", "browser");

    // The workload is the api's: operator check-ins at BOS and PHL and a driver's charge at BOS, run by a worker composed
    // as the worker process composes it (gate and charger commands to doubles: the charger never answers its remote start).
    [Fact]
    public async Task OperatorJourney_OnApiStartedSessions_ListsFiltersSignalsAndTerminatesWithoutBrowserErrors()
    {
        var chromium = Environment.GetEnvironmentVariable("EASYPARK_CHROMIUM");
        File.Exists(chromium).Should().BeTrue("EASYPARK_CHROMIUM must name Debian's chromium (./easypark test installs and sets it)");
        File.Exists(Path.Combine(ServiceProcess.RepositoryRoot(), "temporal-server", "ui", "build", "index.html"))
            .Should().BeTrue("the UI must be built (./easypark test runs ./easypark ui_build first)");
        Directory.Exists(Path.Combine(Browser, "node_modules", "playwright-core")).Should().BeTrue("./easypark test runs npm install in tests/**/browser");
        server.Temporal.WebUi.Should().NotBeNull("the collection's server serves its Web UI");

        var gates = new RecordingGatewayClient { Chargers = new UnansweredCharger() };
        await using var system = await ParkingSystem.StartAsync(server, "webui_e2e", gates: gates);
        await using var api = await ServiceProcess.StartAsync("api/EasyParkPlus.Api", new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["EASYPARK_POSTGRES"] = system.ConnectionString,
            ["EASYPARK_STRIPE_URL"] = system.Stripe.BaseUrl,
            ["EASYPARK_STRIPE_API_KEY"] = StripeStandIn.ApiKey,
            ["EASYPARK_STRIPE_WEBHOOK_SECRET"] = "whsec_webui_e2e",
            ["EASYPARK_GATEWAY_INTERNAL_KEY"] = "webui-e2e-internal-key",
            ["EASYPARK_JWT_SIGNING_KEY"] = "webui-e2e-signing-key-0123456789abcdefghij",
            ["TEMPORAL_ADDRESS"] = system.Temporal.Address,
            ["TEMPORAL_TASK_QUEUE"] = system.TaskQueue,
            ["Api__RunWorker"] = "false",
            ["Auth__DevelopmentPassword"] = DevelopmentPassword,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        });
        using var operatorApi = await SignInAsync(api.BaseAddress, "operator@easypark.local", DevelopmentPassword);
        using var driverApi = await RegisterDriverWithCardAsync(api.BaseAddress);

        var exitsOnSignal = await CheckInAsync(operatorApi, "BOS", "WEBUI1");
        var elsewhere = await CheckInAsync(operatorApi, "PHL", "WEBUI3");
        var charge = await PostAsync(driverApi, "api/v1/charging/sessions", new { facilityId = "BOS", stationId = Station, evseId = 1 });
        var chargingId = charge.GetProperty("workflowId").GetString()!;
        var chargingSessionId = charge.GetProperty("sessionId").GetGuid();
        // The stay waits on its overstay timer; the charge on its remote start, which the charger never answers.
        await UntilAsync(async () => (await system.Client.GetWorkflowHandle(exitsOnSignal.WorkflowId).FetchHistoryAsync()).Events
            .Any(e => e.EventType == EventType.TimerStarted), $"{exitsOnSignal.WorkflowId} waits on its overstay timer");
        await UntilAsync(async () => (await system.Client.GetWorkflowHandle(elsewhere.WorkflowId).DescribeAsync()).Status == WorkflowExecutionStatus.Running,
            $"{elsewhere.WorkflowId} runs");
        await UntilAsync(async () => (await system.Client.WorkflowService.DescribeWorkflowExecutionAsync(new()
        {
            Namespace = system.Client.Options.Namespace,
            Execution = new() { WorkflowId = chargingId },
        })).PendingActivities.Any(a => a.ActivityType.Name == "Charging.StartTransaction" && a.State == PendingActivityState.Started),
            $"{chargingId} waits on its remote start");
        await UntilAsync(async () =>
        {
            using var settings = await new HttpClient().GetAsync(new Uri(server.Temporal.WebUi!, "api/v1/settings"));
            return settings.IsSuccessStatusCode;
        }, "the Web UI answers");

        // The exit as the gateway signals it: the exit gate's device time and id, when it received the event.
        var exitAt = DateTimeOffset.UtcNow;
        var exitPayload = DataConverter.Default.PayloadConverter.ToPayload(new VehicleExit(exitAt, ExitGate) { ReceivedAt = exitAt });
        var artifacts = Path.Combine(Environment.GetEnvironmentVariable("EASYPARK_TEST_ARTIFACTS") ?? Path.Combine(ServiceProcess.RepositoryRoot(), "artifacts", "test"), "webui");
        foreach (var old in Directory.Exists(artifacts) ? Directory.GetFiles(artifacts, "*.png") : [])
        {
            File.Delete(old);
        }
        var (exitCode, output) = await RunJourneyAsync(new Dictionary<string, string>
        {
            ["EASYPARK_CHROMIUM"] = chromium!,
            ["WEBUI_URL"] = server.Temporal.WebUi!.ToString(),
            ["WEBUI_NAMESPACE"] = system.Client.Options.Namespace,
            ["WEBUI_FILTER"] = "FacilityId = 'BOS'",
            ["WEBUI_MATCHING"] = $"{exitsOnSignal.WorkflowId},{chargingId}",
            ["WEBUI_OTHER"] = elsewhere.WorkflowId,
            ["WEBUI_SIGNAL_ID"] = exitsOnSignal.WorkflowId,
            ["WEBUI_SIGNAL_NAME"] = "VehicleExited",
            ["WEBUI_SIGNAL_INPUT"] = Encoding.UTF8.GetString(exitPayload.Data.Span),
            ["WEBUI_SIGNAL_STATUS"] = "Completed",
            ["WEBUI_TERMINATE_ID"] = chargingId,
            ["WEBUI_PENDING_ACTIVITY"] = "Charging.StartTransaction",
            ["WEBUI_QUERY_ANSWER"] = Station,
            ["WEBUI_ARTIFACTS"] = artifacts,
        });

        exitCode.Should().Be(0, $"{output}\n--- api\n{api.Output}\n--- temporal\n{server.Temporal.Output}");
        output.Should().Contain("webui journey: ok");
        // What the clicks did, seen from the api and the server: the stay ended (free within the grace period) and its
        // exit barrier opened; the charge is terminated with the reason typed in the UI; the PHL stay still runs.
        var result = await system.Client.GetWorkflowHandle(exitsOnSignal.WorkflowId).GetResultAsync<ParkingSessionResult>();
        (result.Outcome, result.ExitAt, result.TotalCents).Should().Be((ParkingOutcome.Completed, exitAt, 0L));
        gates.Openings.Should().Contain(o => o.GateId == ExitGate && o.SessionId == exitsOnSignal.SessionId.ToString());
        (await GetAsync(operatorApi, $"api/v1/sessions/{exitsOnSignal.SessionId}")).GetProperty("workflowStatus").GetString().Should().Be("Completed");
        (await GetAsync(driverApi, $"api/v1/charging/sessions/{chargingSessionId}")).GetProperty("workflowStatus").GetString().Should().Be("Terminated");
        (await system.Client.GetWorkflowHandle(chargingId).FetchHistoryAsync()).Events.Last().WorkflowExecutionTerminatedEventAttributes.Reason
            .Should().StartWith("terminated from the Web UI test", "the reason typed in the UI (which appends who sent it)");
        (await GetAsync(operatorApi, $"api/v1/sessions/{elsewhere.SessionId}")).GetProperty("workflowStatus").GetString().Should().Be("Running");
        Directory.GetFiles(artifacts, "*.png").Select(Path.GetFileName).Should().Contain(["workflow-list-filtered.png", "workflow-history.png", "workflow-terminated.png"]);
        await system.Client.GetWorkflowHandle(elsewhere.WorkflowId).TerminateAsync("the Web UI journey is over");
    }

    private sealed record Started(Guid SessionId, string WorkflowId);

    private static async Task<Started> CheckInAsync(HttpClient operatorApi, string facility, string plate)
    {
        var started = await PostAsync(operatorApi, "api/v1/entry/checkin", new { facilityId = facility, plate });
        return new(started.GetProperty("sessionId").GetGuid(), started.GetProperty("workflowId").GetString()!);
    }

    // A driver with a saved card (the charge holds on it first), all through the api.
    private static async Task<HttpClient> RegisterDriverWithCardAsync(Uri api)
    {
        const string password = "webui-e2e-driver-password";
        var email = $"webui-{Guid.NewGuid():N}@example.com";
        using (var anonymous = new HttpClient { BaseAddress = api })
        {
            using var register = await anonymous.PostAsJsonAsync("api/v1/auth/register", new { email, password, name = "Web UI Driver" });
            register.StatusCode.Should().Be(HttpStatusCode.Created, await register.Content.ReadAsStringAsync());
        }
        var driver = await SignInAsync(api, email, password);
        var id = (await GetAsync(driver, "api/v1/me")).GetProperty("id").GetGuid();
        await PostAsync(driver, $"api/v1/users/{id}/payment-methods", new { paymentMethodId = "pm_card_visa" });
        return driver;
    }

    private static async Task<HttpClient> SignInAsync(Uri api, string email, string password)
    {
        using var anonymous = new HttpClient { BaseAddress = api };
        using var login = await anonymous.PostAsJsonAsync("api/v1/auth/login", new { email, password });
        login.StatusCode.Should().Be(HttpStatusCode.OK, await login.Content.ReadAsStringAsync());
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        var client = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue($"POST {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue($"GET {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, what);
            await Task.Delay(100);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunJourneyAsync(IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Browser, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("webui-journey.mjs");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        try
        {
            await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill(entireProcessTree: true);
            }
        }
        return (node.ExitCode, $"{await stdout}\n{await stderr}");
    }
}

/// <summary>
/// A charger that grants power and never answers a remote start: the charge stays on its Charging.StartTransaction
/// activity (until its start-to-close timeout) while the operator looks at it.
/// </summary>
public sealed class UnansweredCharger : IGatewayClient
{
    public Task<int> ReservePowerAsync(string facilityId, PowerRequest request, CancellationToken cancellationToken) => Task.FromResult(request.RequestedW);

    public async Task<StartTransactionResult> StartTransactionAsync(string stationId, int evseId, string idToken, int remoteStartId, CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return new StartTransactionResult(false, null);
    }

    public Task ReleasePowerAsync(string facilityId, string sessionId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> StopTransactionAsync(string stationId, string transactionId, CancellationToken cancellationToken) => Task.FromResult(false);

    public Task OpenGateAsync(string gateId, string sessionId, string? message, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Gate commands go to the recording client.");

    public Task ShowGateMessageAsync(string gateId, string text, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Gate commands go to the recording client.");

    public Task<IReadOnlyList<TransactionEventReading>> ReadTransactionEventsAsync(string stationId, string transactionId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<TransactionEventReading>>([]);
}
