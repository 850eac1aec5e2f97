using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Query.V1;
using Temporalio.Client;
using WorkflowExecution = Temporalio.Api.Common.V1.WorkflowExecution;
using Temporalio.Converters;
using Temporalio.Exceptions;

namespace EasyParkPlus.TemporalServer.Tests.Http;

/// <summary>
/// Issue 13, must-show 1: what the Web UI reads over HTTP is, field for field, the proto3 JSON mapping of what a gRPC
/// client gets for the same request from the same server, and what it does over HTTP (signal, cancel, terminate)
/// lands in the history exactly as the same gRPC call does.
/// </summary>
public sealed class HttpApiParityTests(LiveWebUi live) : IClassFixture<LiveWebUi>
{
    private const string Namespace = "default";
    private static readonly JsonFormatter Json = JsonFormatter.Default;

    private WorkflowService Grpc => live.Client.WorkflowService;

    [Fact]
    public async Task ListAndCount_WithAFilter_AnswerAsGrpcDoes()
    {
        var facility = "P" + Guid.NewGuid().ToString("N")[..8];
        await live.ParkAsync(facility);
        await live.ParkAsync(facility, waitAtTheGate: true);
        await live.ParkAsync("ELSEWHERE");
        var filter = $"FacilityId = '{facility}'";

        var list = await Grpc.ListWorkflowExecutionsAsync(new() { Namespace = Namespace, Query = filter, PageSize = 10 });
        var count = await Grpc.CountWorkflowExecutionsAsync(new() { Namespace = Namespace, Query = filter });

        list.Executions.Should().HaveCount(2);
        count.Count.Should().Be(2);
        await ShouldAnswerAsGrpcAsync($"api/v1/namespaces/{Namespace}/workflows?query={Uri.EscapeDataString(filter)}&pageSize=10", list);
        await ShouldAnswerAsGrpcAsync($"api/v1/namespaces/{Namespace}/workflow-count?query={Uri.EscapeDataString(filter)}", count);
    }

    [Fact]
    public async Task Describe_RunWithAPendingActivity_AnswersAsGrpcDoes()
    {
        var handle = await live.ParkAsync("BOS", waitAtTheGate: true);

        var describe = await Grpc.DescribeWorkflowExecutionAsync(new() { Namespace = Namespace, Execution = Execution(handle) });

        describe.PendingActivities.Should().ContainSingle().Which.ActivityType.Name.Should().Be("OpenBarrier");
        await ShouldAnswerAsGrpcAsync($"api/v1/namespaces/{Namespace}/workflows/{handle.Id}?execution.runId={handle.ResultRunId}", describe);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task History_PagedForwardAndReverse_EveryPageAnswersAsGrpcDoes(bool reverse)
    {
        var handle = await live.ParkAsync("BOS");
        await handle.SignalAsync(wf => wf.VehicleExitedAsync("BOS-OUT-1"));
        await handle.GetResultAsync();
        var route = $"api/v1/namespaces/{Namespace}/workflows/{handle.Id}/{(reverse ? "history-reverse" : "history")}?execution.runId={handle.ResultRunId}&maximumPageSize=3";

        var pages = 0;
        var events = 0;
        var token = ByteString.Empty;
        do
        {
            var httpRoute = token.IsEmpty ? route : $"{route}&nextPageToken={Uri.EscapeDataString(token.ToBase64())}";
            var (page, next, count) = await PageAsync(token);
            await ShouldAnswerAsGrpcAsync(httpRoute, page);
            (token, events, pages) = (next, events + count, pages + 1);
        }
        while (!token.IsEmpty);

        var whole = await handle.FetchHistoryAsync();
        events.Should().Be(whole.Events.Count);
        pages.Should().BeGreaterThan(2, "a history of {0} events comes in pages of 3", whole.Events.Count);

        async Task<(IMessage Page, ByteString Next, int Events)> PageAsync(ByteString token)
        {
            if (reverse)
            {
                var answer = await Grpc.GetWorkflowExecutionHistoryReverseAsync(new()
                { Namespace = Namespace, Execution = Execution(handle), MaximumPageSize = 3, NextPageToken = token });
                return (answer, answer.NextPageToken, answer.History.Events.Count);
            }
            var forward = await Grpc.GetWorkflowExecutionHistoryAsync(new()
            { Namespace = Namespace, Execution = Execution(handle), MaximumPageSize = 3, NextPageToken = token });
            return (forward, forward.NextPageToken, forward.History.Events.Count);
        }
    }

    [Fact]
    public async Task Query_OverHttp_AnswersAsGrpcDoes()
    {
        var handle = await live.ParkAsync("BOS");

        var grpc = await Grpc.QueryWorkflowAsync(new()
        { Namespace = Namespace, Execution = Execution(handle), Query = new WorkflowQuery { QueryType = "State" } });

        live.Client.Options.DataConverter.PayloadConverter.ToValue<string>(grpc.QueryResult.Payloads_[0]).Should().Be("parked");
        await ShouldAnswerAsGrpcAsync($"api/v1/namespaces/{Namespace}/workflows/{handle.Id}/query/State", grpc, post: new JsonObject());
    }

    [Fact]
    public async Task Signal_OverHttp_RecordsWhatTheSameGrpcCallRecords()
    {
        var overGrpc = await live.ParkAsync("BOS");
        var overHttp = await live.ParkAsync("BOS");
        var input = new Payloads { Payloads_ = { live.Client.Options.DataConverter.PayloadConverter.ToPayload("BOS-OUT-2") } };

        await Grpc.SignalWorkflowExecutionAsync(new()
        {
            Namespace = Namespace,
            WorkflowExecution = Execution(overGrpc),
            SignalName = "VehicleExited",
            Input = input,
            Identity = "parity-test",
            RequestId = Guid.NewGuid().ToString(),
        });
        await PostAsync($"api/v1/namespaces/{Namespace}/workflows/{overHttp.Id}/signal/VehicleExited", new JsonObject
        {
            ["input"] = JsonNode.Parse(Json.Format(input)),
            ["identity"] = "parity-test",
            ["requestId"] = Guid.NewGuid().ToString(),
        });

        (await overHttp.GetResultAsync()).Should().Be("BOS-OUT-2");
        (await overGrpc.GetResultAsync()).Should().Be("BOS-OUT-2");
        await ShouldRecordTheSameAsync(overGrpc, overHttp, EventType.WorkflowExecutionSignaled, e => e.WorkflowExecutionSignaledEventAttributes);
    }

    [Fact]
    public async Task Cancel_OverHttp_RecordsWhatTheSameGrpcCallRecords()
    {
        var overGrpc = await live.ParkAsync("BOS");
        var overHttp = await live.ParkAsync("BOS");

        await Grpc.RequestCancelWorkflowExecutionAsync(new()
        {
            Namespace = Namespace,
            WorkflowExecution = Execution(overGrpc),
            Identity = "parity-test",
            Reason = "driver left",
            RequestId = Guid.NewGuid().ToString(),
        });
        await PostAsync($"api/v1/namespaces/{Namespace}/workflows/{overHttp.Id}/cancel", new JsonObject
        {
            ["identity"] = "parity-test",
            ["reason"] = "driver left",
            ["requestId"] = Guid.NewGuid().ToString(),
        });

        // The run ends canceled once its worker has taken the request.
        await overHttp.Invoking(h => h.GetResultAsync()).Should().ThrowAsync<WorkflowFailedException>()
            .Where(e => e.InnerException is CanceledFailureException);
        await overGrpc.Invoking(h => h.GetResultAsync()).Should().ThrowAsync<WorkflowFailedException>();
        await ShouldRecordTheSameAsync(overGrpc, overHttp, EventType.WorkflowExecutionCancelRequested, e => e.WorkflowExecutionCancelRequestedEventAttributes);
    }

    [Fact]
    public async Task Terminate_OverHttp_RecordsWhatTheSameGrpcCallRecords()
    {
        var overGrpc = await live.ParkAsync("BOS", waitAtTheGate: true);
        var overHttp = await live.ParkAsync("BOS", waitAtTheGate: true);

        await Grpc.TerminateWorkflowExecutionAsync(new()
        { Namespace = Namespace, WorkflowExecution = Execution(overGrpc), Identity = "parity-test", Reason = "stuck barrier" });
        await PostAsync($"api/v1/namespaces/{Namespace}/workflows/{overHttp.Id}/terminate", new JsonObject
        {
            ["identity"] = "parity-test",
            ["reason"] = "stuck barrier",
        });

        await ShouldRecordTheSameAsync(overGrpc, overHttp, EventType.WorkflowExecutionTerminated, e => e.WorkflowExecutionTerminatedEventAttributes);
        (await overHttp.DescribeAsync()).Status.Should().Be(WorkflowExecutionStatus.Terminated);
    }

    private static WorkflowExecution Execution(WorkflowHandle handle) => new() { WorkflowId = handle.Id, RunId = handle.ResultRunId ?? "" };

    /// <summary>The HTTP answer, parsed, equals the proto3 JSON mapping of the gRPC answer, parsed (so key order and spacing do not matter).</summary>
    private async Task ShouldAnswerAsGrpcAsync(string route, IMessage grpc, JsonObject? post = null)
    {
        using var response = post is null ? await live.Http.GetAsync(route) : await live.Http.PostAsJsonAsync(route, post);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var expected = Json.Format(grpc);
        JsonNode.DeepEquals(JsonNode.Parse(body), JsonNode.Parse(expected)).Should().BeTrue($"GET {route}\nHTTP: {body}\ngRPC: {expected}");
    }

    private async Task PostAsync(string route, JsonObject body)
    {
        using var response = await live.Http.PostAsJsonAsync(route, body);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The event the call recorded carries the same attributes whichever way it came (the run's own ids aside).</summary>
    private static async Task ShouldRecordTheSameAsync(WorkflowHandle overGrpc, WorkflowHandle overHttp, EventType type, Func<HistoryEvent, IMessage> attributes)
    {
        var fromGrpc = (await overGrpc.FetchHistoryAsync()).Events.Single(e => e.EventType == type);
        var fromHttp = (await overHttp.FetchHistoryAsync()).Events.Single(e => e.EventType == type);
        Json.Format(attributes(fromHttp)).Should().Be(Json.Format(attributes(fromGrpc)));
        fromHttp.EventId.Should().Be(fromGrpc.EventId);
    }
}
