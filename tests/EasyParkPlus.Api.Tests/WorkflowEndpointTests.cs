using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EasyParkPlus.Api.Infrastructure;
using EasyParkPlus.Api.Tests.Support;
using EasyParkPlus.Workflows;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace EasyParkPlus.Api.Tests;

/// <summary>The operator journey through the api against a real Temporal server (with a stand-in stuck workflow).</summary>
public sealed class WorkflowEndpointTests(ApiWithTestWorkflowsFixture api) : IClassFixture<ApiWithTestWorkflowsFixture>
{
    private async Task<string> StartStuckAsync(string plate)
    {
        var id = $"stuck-{Guid.NewGuid():N}";
        // Listed by facility and plate from its start (the workflow upserts the same values when it first runs).
        await api.Temporal.StartWorkflowAsync((StuckAtExitWorkflow wf) => wf.RunAsync(plate), new WorkflowOptions(id, ApiWithTestWorkflowsFixture.TaskQueue)
        {
            TypedSearchAttributes = EasyParkSearchAttributes.Collection((EasyParkSearchAttributes.FacilityId, "BOS"), (EasyParkSearchAttributes.Plate, plate)),
        });
        return id;
    }

    [Fact]
    public async Task OperatorJourney_FindStuckSession_InspectHistory_Signal_SeeItFinish()
    {
        var plate = "OPS" + Random.Shared.Next(1000, 9999);
        var id = await StartStuckAsync(plate);
        using var ops = await api.OperatorClientAsync();

        // Find it: running, at BOS, by plate.
        var list = await ops.GetFromJsonAsync<JsonElement>($"api/v1/workflows?status=running&facility=bos&plate={plate.ToLowerInvariant()}");
        var found = list.GetProperty("workflows").EnumerateArray().Select(w => w.GetProperty("workflowId").GetString()).ToList();
        Assert.Equal([id], found);

        // Inspect it: the Status query says it waits for payment, and the signal is offered.
        var detail = await ops.GetFromJsonAsync<JsonElement>($"api/v1/workflows/{id}");
        Assert.Equal("AwaitingPayment", detail.GetProperty("state").GetProperty("phase").GetString());
        Assert.Contains("PaymentReceivedAtBooth", detail.GetProperty("signals").EnumerateArray().Select(s => s.GetString()));
        var history = await ops.GetFromJsonAsync<JsonElement>($"api/v1/workflows/{id}/history");
        Assert.Equal("WorkflowExecutionStarted", history[0].GetProperty("eventType").GetString());

        // Send the signal.
        using var signal = await ops.PostAsJsonAsync($"api/v1/workflows/{id}/signal",
            new { signalName = "PaymentReceivedAtBooth", input = new { amountCents = 1500, booth = "BOS-B1" }, reason = "driver paid cash" });
        Assert.Equal(HttpStatusCode.Accepted, signal.StatusCode);

        // See it finish.
        var result = await api.Temporal.WorkflowResultAsync(id);
        Assert.Equal("paid 1500 at BOS-B1", result.GetString());
        var after = await ops.GetFromJsonAsync<JsonElement>($"api/v1/workflows/{id}");
        Assert.Equal("Completed", after.GetProperty("execution").GetProperty("status").GetString());
        var events = (await ops.GetFromJsonAsync<JsonElement>($"api/v1/workflows/{id}/history")).EnumerateArray().Select(e => e.GetProperty("eventType").GetString()).ToList();
        Assert.Contains("WorkflowExecutionSignaled", events);
        Assert.Equal("WorkflowExecutionCompleted", events[^1]);

        // Audited: who, what, outcome.
        var audit = await ops.GetFromJsonAsync<JsonElement>($"api/v1/workflows/{id}/audit");
        var entry = Assert.Single(audit.EnumerateArray());
        Assert.Equal("signal", entry.GetProperty("action").GetString());
        Assert.Equal(ApiFixture.OperatorEmail, entry.GetProperty("actorEmail").GetString());
        Assert.Equal("accepted", entry.GetProperty("outcome").GetString());
        Assert.Equal("driver paid cash", entry.GetProperty("detail").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Terminate_WithReason_ClosesRunAndAudits()
    {
        var id = await StartStuckAsync("TERM1");
        using var ops = await api.AdminClientAsync();

        using var missingReason = await ops.PostAsJsonAsync($"api/v1/workflows/{id}/terminate", new { });
        using var terminate = await ops.PostAsJsonAsync($"api/v1/workflows/{id}/terminate", new { reason = "gate jammed, manual exit" });

        Assert.Equal(HttpStatusCode.BadRequest, missingReason.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);
        var detail = await ops.GetFromJsonAsync<JsonElement>($"api/v1/workflows/{id}");
        Assert.Equal("Terminated", detail.GetProperty("execution").GetProperty("status").GetString());
        Assert.Contains("gate jammed", detail.GetProperty("failure").GetProperty("message").GetString(), StringComparison.Ordinal);
        var audit = await ops.GetFromJsonAsync<JsonElement>($"api/v1/workflows/{id}/audit");
        Assert.Equal("terminate", Assert.Single(audit.EnumerateArray()).GetProperty("action").GetString());
    }

    [Fact]
    public async Task Cancel_RunningWorkflow_IsAcceptedAndCloses()
    {
        var id = await StartStuckAsync("CANC1");
        using var ops = await api.OperatorClientAsync();

        using var cancel = await ops.PostAsJsonAsync($"api/v1/workflows/{id}/cancel", new { reason = "duplicate entry" });

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        await Assert.ThrowsAsync<WorkflowFailedException>(() => api.Temporal.GetWorkflowHandle(id).GetResultAsync<string>());
    }

    [Fact]
    public async Task Signal_UnknownSignalOrBadInput_Returns400_AndUnknownWorkflow404()
    {
        var id = await StartStuckAsync("BAD1");
        using var ops = await api.OperatorClientAsync();

        using var unknown = await ops.PostAsJsonAsync($"api/v1/workflows/{id}/signal", new { signalName = "OpenSesame" });
        using var badInput = await ops.PostAsJsonAsync($"api/v1/workflows/{id}/signal", new { signalName = "PaymentReceivedAtBooth", input = new { amountCents = "lots" } });
        using var missing = await ops.PostAsJsonAsync("api/v1/workflows/no-such-workflow/signal", new { signalName = "PaymentReceivedAtBooth", input = new { amountCents = 1, booth = "x" } });

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("PaymentReceivedAtBooth", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badInput.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Signal_SameIdempotencyKeyTwice_DeliversOneSignal()
    {
        var id = await StartStuckAsync("IDEM1");
        using var ops = await api.OperatorClientAsync();
        var key = Guid.NewGuid().ToString();

        async Task<HttpResponseMessage> SendAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/workflows/{id}/signal")
            {
                Content = JsonContent.Create(new { signalName = "PaymentReceivedAtBooth", input = new { amountCents = 700, booth = "B2" } }),
            };
            request.Headers.Add("Idempotency-Key", key);
            return await ops.SendAsync(request);
        }

        using var first = await SendAsync();
        using var second = await SendAsync();

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        var events = (await ops.GetFromJsonAsync<JsonElement>($"api/v1/workflows/{id}/history")).EnumerateArray().Count(e => e.GetProperty("eventType").GetString() == "WorkflowExecutionSignaled");
        Assert.Equal(1, events);
    }

    [Fact]
    public async Task Driver_CannotUseWorkflowEndpoints_403()
    {
        var id = await StartStuckAsync("DRV1");
        var (driver, _) = await api.NewDriverAsync();
        using (driver)
        {
            using var list = await driver.GetAsync(new Uri("api/v1/workflows", UriKind.Relative));
            using var signal = await driver.PostAsJsonAsync($"api/v1/workflows/{id}/terminate", new { reason = "mine now" });

            Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, signal.StatusCode);
        }
    }

    [Fact]
    public async Task List_PageTokens_LeadToTheNextPageOfTheSameSearch_AnythingElseIs400()
    {
        var plate = "PGT" + Random.Shared.Next(1000, 9999);
        var ids = new[] { await StartStuckAsync(plate), await StartStuckAsync(plate), await StartStuckAsync(plate) };
        using var ops = await api.OperatorClientAsync();
        var search = $"api/v1/workflows?facility=BOS&plate={plate}&pageSize=2";

        var first = await ops.GetFromJsonAsync<JsonElement>(search);
        var token = first.GetProperty("nextPageToken").GetString()!;
        var second = await ops.GetFromJsonAsync<JsonElement>($"{search}&pageToken={Uri.EscapeDataString(token)}");

        first.GetProperty("workflows").EnumerateArray().Concat(second.GetProperty("workflows").EnumerateArray())
            .Select(w => w.GetProperty("workflowId").GetString()).Should().BeEquivalentTo(ids);
        second.GetProperty("nextPageToken").ValueKind.Should().Be(JsonValueKind.Null);
        var otherSearch = $"api/v1/workflows?facility=PHL&pageSize=2&pageToken={Uri.EscapeDataString(token)}";
        // Well-formed and for this search, but with a cursor the store never issued.
        var forgedCursor = PageTokens.Issue("not-a-cursor", PageTokens.Filter(null, null, "BOS", plate, null, null, null));
        foreach (var url in new[] { otherSearch }.Concat(new[] { "abc", "%00", "====", "null", "12345:run", forgedCursor, token + "x", new string('A', 999) }
            .Select(junk => $"{search}&pageToken={Uri.EscapeDataString(junk)}")))
        {
            using var response = await ops.GetAsync(new Uri(url, UriKind.Relative));
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, url);
            response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("pageToken").GetArrayLength().Should().Be(1);
        }
    }

    // Issue 16, point 7: the operator's workflow view shows what failed, never a server stack trace or source path.
    [Theory]
    [InlineData("business")]
    [InlineData("bug")]
    public async Task DescribeAndHistory_FailedWorkflow_ShowTheFailureWithoutStackTraceOrSourcePath(string mode)
    {
        var id = $"failing-{mode}-{Guid.NewGuid():N}";
        await api.Temporal.StartWorkflowAsync((FailingWorkflow wf) => wf.RunAsync(mode), new WorkflowOptions(id, ApiWithTestWorkflowsFixture.TaskQueue));
        using var ops = await api.OperatorClientAsync();

        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        string detail;
        while (true)
        {
            detail = await ops.GetStringAsync(new Uri($"api/v1/workflows/{id}", UriKind.Relative));
            var root = JsonDocument.Parse(detail).RootElement;
            var failure = mode == "business" ? root.GetProperty("failure") : root.GetProperty("lastWorkflowTaskFailure");
            if (failure.ValueKind == JsonValueKind.Object)
            {
                failure.GetProperty("message").GetString().Should().Contain(mode == "business" ? "barrier reported a fault" : "bug in workflow code");
                break;
            }
            DateTimeOffset.UtcNow.Should().BeBefore(deadline, $"the workflow never failed: {detail}");
            await Task.Yield();
        }
        var history = await ops.GetStringAsync(new Uri($"api/v1/workflows/{id}/history", UriKind.Relative));

        foreach (var body in new[] { detail, history })
        {
            // A "stackTrace" member may remain, but empty: no frame, no source path.
            body.Should().NotMatchRegex("\"stackTrace\"\\s*:\\s*\"").And.NotContain(" at EasyParkPlus").And.NotContain(".cs:line").And.NotContain("/work/");
        }
        if (mode == "bug")
        {
            // Its workflow task would otherwise be retried for as long as the fixture lives.
            using var terminate = await ops.PostAsJsonAsync($"api/v1/workflows/{id}/terminate", new { reason = "test finished" });
            terminate.StatusCode.Should().Be(HttpStatusCode.Accepted);
        }
    }
}
