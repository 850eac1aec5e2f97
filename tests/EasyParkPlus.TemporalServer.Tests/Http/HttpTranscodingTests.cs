using System.Net;
using System.Text;
using System.Text.Json;
using EasyParkPlus.TemporalServer.Http;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.WorkflowService.V1;
using StatusCode = Grpc.Core.StatusCode;

namespace EasyParkPlus.TemporalServer.Tests.Http;

/// <summary>
/// The HTTP API's transcoding over real HTTP, against a recording stand-in for the server's dispatch point: which method
/// a verb and path reach, how the path, query string and body fill the request message, and how answers and gRPC
/// errors come back (grpc-gateway's conventions, which Temporal's frontend and UI server follow).
/// </summary>
public sealed class HttpTranscodingTests(WebUiHost host) : IClassFixture<WebUiHost>, IDisposable
{
    private RecordingInvoker Invoker => host.Invoker;

    public void Dispose()
    {
        Invoker.Clear();
        Invoker.Answer = (method, _) => method.OutputType.Parser.ParseFrom(ByteString.Empty);
    }

    [Fact]
    public void Routes_FromTemporalioDescriptors_HaveEveryApiV1BindingOfBothServices()
    {
        var routes = HttpApiRoutes.ForTemporal();

        routes.Bindings.Should().OnlyContain(b => b.Path.Text.StartsWith("/api/v1/", StringComparison.Ordinal));
        routes.Bindings.Select(b => b.Method.Service.Name + "." + b.Method.Name).Distinct()
            .Should().HaveCount(106).And.Contain(["WorkflowService.ListWorkflowExecutions", "OperatorService.ListSearchAttributes"]);
        // Worker-facing calls have no HTTP rule and so no route.
        routes.Bindings.Should().NotContain(b => b.Method.Name == "PollWorkflowTaskQueue");
    }

    [Fact]
    public async Task ListWorkflows_QueryString_FillsFieldsByJsonNameWithBase64Bytes()
    {
        var token = Convert.ToBase64String([1, 2, 250, 251]);
        using var response = await host.Client.GetAsync(
            $"api/v1/namespaces/default/workflows?pageSize=100&nextPageToken={Uri.EscapeDataString(token)}&query={Uri.EscapeDataString("WorkflowType = \"Parking\"")}&pretty");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var (method, message) = Invoker.Single();
        method.Name.Should().Be("ListWorkflowExecutions");
        message.Should().Be(new ListWorkflowExecutionsRequest
        {
            Namespace = "default",
            PageSize = 100,
            NextPageToken = ByteString.CopyFrom(1, 2, 250, 251),
            Query = "WorkflowType = \"Parking\"",
        });
    }

    [Fact]
    public async Task History_EncodedSlashInIdAndNestedQueryFields_BindToTheExecution()
    {
        using var response = await host.Client.GetAsync(
            "api/v1/namespaces/ops/workflows/parking%2FBOS%201/history?execution.runId=run-1&waitNewEvent=true"
            + "&historyEventFilterType=HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT&maximum_page_size=5&skipArchival=1");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var (method, message) = Invoker.Single();
        method.Name.Should().Be("GetWorkflowExecutionHistory");
        message.Should().Be(new GetWorkflowExecutionHistoryRequest
        {
            Namespace = "ops",
            Execution = new() { WorkflowId = "parking/BOS 1", RunId = "run-1" },
            WaitNewEvent = true,
            HistoryEventFilterType = HistoryEventFilterType.CloseEvent,
            MaximumPageSize = 5,
            SkipArchival = true,
        });
    }

    [Fact]
    public async Task TaskQueue_EnumByNumber_BindsTheEnumValue()
    {
        using var response = await host.Client.GetAsync("api/v1/namespaces/default/task-queues/easypark?taskQueueType=2");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var request = (DescribeTaskQueueRequest)Invoker.Single().Request;
        request.TaskQueue.Name.Should().Be("easypark");
        request.TaskQueueType.Should().Be(TaskQueueType.Activity);
    }

    [Fact]
    public async Task Signal_JsonBody_FillsTheRequestAndThePathWinsOverTheBody()
    {
        const string body = """
            {"workflowExecution": {"workflowId": "not-this-one", "runId": "run-7"}, "identity": "operator",
             "input": {"payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "eyJ4IjoxfQ=="}]}}
            """;
        using var response = await host.Client.PostAsync(
            "api/v1/namespaces/default/workflows/parking-1/signal/VehicleExited", new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var request = (SignalWorkflowExecutionRequest)Invoker.Single().Request;
        request.WorkflowExecution.Should().Be(new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = "parking-1", RunId = "run-7" });
        request.SignalName.Should().Be("VehicleExited");
        request.Identity.Should().Be("operator");
        request.Input.Payloads_.Should().ContainSingle().Which.Data.ToStringUtf8().Should().Be("{\"x\":1}");
        request.Input.Payloads_[0].Metadata["encoding"].ToStringUtf8().Should().Be("json/plain");
    }

    [Fact]
    public async Task Query_EmptyBody_PathFillsTheNestedQueryType()
    {
        using var response = await host.Client.PostAsync("api/v1/namespaces/default/workflows/wf-1/query/__stack_trace", content: null);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var request = (QueryWorkflowRequest)Invoker.Single().Request;
        request.Execution.WorkflowId.Should().Be("wf-1");
        request.Query.QueryType.Should().Be("__stack_trace");
    }

    [Fact]
    public async Task Describe_Answer_IsWrittenInTheProto3JsonMapping()
    {
        Invoker.Answer = (_, _) => new DescribeWorkflowExecutionResponse
        {
            ExecutionConfig = new() { DefaultWorkflowTaskTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)) },
            WorkflowExecutionInfo = new()
            {
                Execution = new() { WorkflowId = "wf-1", RunId = "run-1" },
                Status = WorkflowExecutionStatus.Running,
                StartTime = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 7, 10, 30, 0, TimeSpan.Zero)),
                HistoryLength = 12,
            },
        };

        using var response = await host.Client.GetAsync("api/v1/namespaces/default/workflows/wf-1?execution.runId=run-1");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var info = json.RootElement.GetProperty("workflowExecutionInfo");
        info.GetProperty("status").GetString().Should().Be("WORKFLOW_EXECUTION_STATUS_RUNNING");
        info.GetProperty("historyLength").GetString().Should().Be("12", "int64 travels as a string");
        info.GetProperty("startTime").GetString().Should().Be("2026-12-07T10:30:00Z");
        info.GetProperty("execution").GetProperty("runId").GetString().Should().Be("run-1");
        json.RootElement.GetProperty("executionConfig").GetProperty("defaultWorkflowTaskTimeout").GetString().Should().Be("10s");
        info.TryGetProperty("closeTime", out _).Should().BeFalse("unset fields are left out");
    }

    [Fact]
    public async Task NotFound_WithTemporalDetail_Is404WithTheStatusAndTypedDetail()
    {
        Invoker.Answer = (_, _) => throw new Google.Rpc.Status
        {
            Code = (int)Code.NotFound,
            Message = "workflow not found for ID: wf-404",
            Details = { Any.Pack(new NotFoundFailure { CurrentCluster = "active", ActiveCluster = "active" }) },
        }.ToRpcException();

        using var response = await host.Client.GetAsync("api/v1/namespaces/default/workflows/wf-404");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("code").GetInt32().Should().Be(5);
        json.RootElement.GetProperty("message").GetString().Should().Be("workflow not found for ID: wf-404");
        var detail = json.RootElement.GetProperty("details").EnumerateArray().Should().ContainSingle().Subject;
        detail.GetProperty("@type").GetString().Should().Be("type.googleapis.com/temporal.api.errordetails.v1.NotFoundFailure");
        detail.GetProperty("currentCluster").GetString().Should().Be("active");
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument, 400)]
    [InlineData(StatusCode.FailedPrecondition, 400)]
    [InlineData(StatusCode.AlreadyExists, 409)]
    [InlineData(StatusCode.PermissionDenied, 403)]
    [InlineData(StatusCode.ResourceExhausted, 429)]
    [InlineData(StatusCode.Unimplemented, 501)]
    [InlineData(StatusCode.Unavailable, 503)]
    [InlineData(StatusCode.DeadlineExceeded, 504)]
    [InlineData(StatusCode.Internal, 500)]
    public async Task GrpcStatus_WithoutDetails_MapsToGrpcGatewaysHttpStatus(StatusCode code, int httpStatus)
    {
        Invoker.Answer = (_, _) => throw new RpcException(new Grpc.Core.Status(code, "it went wrong"));

        using var response = await host.Client.PostAsync("api/v1/namespaces/default/workflows/wf-1/terminate", new StringContent("{}"));

        ((int)response.StatusCode).Should().Be(httpStatus);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("code").GetInt32().Should().Be((int)code);
        json.RootElement.GetProperty("message").GetString().Should().Be("it went wrong");
    }

    [Theory]
    [InlineData("GET", "api/v1/namespaces/default/workflows/wf-1/history?historyEventFilterType=SOMETIMES", null)]
    [InlineData("GET", "api/v1/namespaces/default/workflows?pageSize=many", null)]
    [InlineData("GET", "api/v1/namespaces/default/workflows?nextPageToken=%25%25%25", null)]
    [InlineData("GET", "api/v1/namespaces/default/workflows/wf-1?execution=whole", null)]
    [InlineData("POST", "api/v1/namespaces/default/workflows/wf-1/signal/Go", "{\"identity\": ")]
    [InlineData("POST", "api/v1/namespaces/default/workflows/wf-1/signal/Go", "{\"noSuchField\": 1}")]
    [InlineData("POST", "api/v1/namespaces/default/workflows/wf-1/terminate", "[1, 2]")]
    [InlineData("POST", "api/v1/namespaces/default/workflows/wf-1/signal/Go", "{\"input\": {\"payloads\": [{\"data\": \"not base64!\"}]}}")]
    public async Task BadInput_Is400InvalidArgument_AndReachesNoMethod(string verb, string url, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(verb), url) { Content = body is null ? null : new StringContent(body) };
        using var response = await host.Client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("code").GetInt32().Should().Be(3);
        json.RootElement.GetProperty("message").GetString().Should().NotBeNullOrWhiteSpace();
        Invoker.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task Body_OverFourMiB_Is400AndReachesNoMethod()
    {
        var huge = "{\"identity\": \"" + new string('x', HttpApiEndpoints.MaxRequestBytes) + "\"}";

        using var response = await host.Client.PostAsync("api/v1/namespaces/default/workflows/wf-1/cancel", new StringContent(huge));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        Invoker.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task UnknownRoute_Is404_AndWrongVerb_Is405()
    {
        using var unknown = await host.Client.GetAsync("api/v1/namespaces/default/no-such-thing");
        using var wrongVerb = await host.Client.DeleteAsync("api/v1/namespaces/default/workflows");

        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
        JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetInt32().Should().Be(5);
        wrongVerb.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        Invoker.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task UnexpectedServerFailure_Is500WithoutItsText()
    {
        Invoker.Answer = (_, _) => throw new InvalidOperationException("connection string Password=hunter2");

        using var response = await host.Client.GetAsync("api/v1/system-info");

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        var text = await response.Content.ReadAsStringAsync();
        text.Should().NotContain("hunter2");
        JsonDocument.Parse(text).RootElement.GetProperty("code").GetInt32().Should().Be(13);
    }
}
