using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Persistence;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Api.Common.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.WorkflowService.V1;
using Status = Google.Rpc.Status;

namespace EasyParkPlus.TemporalServer.Tests.Frontend;

/// <summary>
/// Bad input gets the gRPC status Temporal sends, with its error details, and changes nothing: malformed and
/// oversized messages, unknown namespaces and workflows, invalid task tokens. The server keeps serving.
/// </summary>
public sealed class BadInputTests(InProcessServer server) : IClassFixture<InProcessServer>
{
    private const string StartMethod = "temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution";

    [Fact]
    public async Task StartWorkflowExecution_MalformedBytes_InvalidArgumentAndServerStillServes()
    {
        var before = await RunCountAsync();
        // A length-delimited field whose length runs past the end of the message.
        var error = await CallRawAsync(StartMethod, [0x0A, 0x7F, 0x61]);

        error.StatusCode.Should().Be(StatusCode.InvalidArgument);
        (await RunCountAsync()).Should().Be(before);
        (await server.Client.Connection.WorkflowService.GetSystemInfoAsync(new())).ServerVersion.Should().NotBeEmpty();
    }

    [Fact]
    public async Task StartWorkflowExecution_InputOverTheBlobLimit_InvalidArgumentAndNothingStarted()
    {
        var request = Start($"too-big-{Guid.NewGuid():N}");
        request.Input = new Payloads { Payloads_ = { new Payload { Data = ByteString.CopyFrom(new byte[ServerLimits.BlobSizeLimit + 1]) } } };

        var error = await CallAsync(() => server.Client.Connection.WorkflowService.StartWorkflowExecutionAsync(request));

        error.Code.Should().Be(Temporalio.Exceptions.RpcException.StatusCode.InvalidArgument);
        error.Message.Should().Contain("size exceeds limit");
        (await CurrentRunAsync(request.WorkflowId)).Should().BeNull();
    }

    [Fact]
    public async Task AnyCall_MessageOverTheTransportLimit_ResourceExhausted()
    {
        // A gRPC frame that announces 65 MiB: the server refuses it from its length prefix, before reading the body.
        // (Sending the whole body races the refusal with the upload, and the client may then see a reset stream.)
        using var http = new HttpClient();
        byte[] frame = [0, .. BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(65 * 1024 * 1024)), 0x0A, 0x01, 0x61];
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{server.Address}/{StartMethod}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new("application/grpc");
        request.Headers.TryAddWithoutValidation("TE", "trailers");

        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();

        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var values) ? values.Single()
            : response.Headers.TryGetValues("grpc-status", out values) ? values.Single()
            : $"none (HTTP {(int)response.StatusCode} {response.Version}: {response.Headers} / {response.TrailingHeaders})";
        status.Should().Be(((int)StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await server.Client.Connection.WorkflowService.GetSystemInfoAsync(new())).Should().NotBeNull();
    }

    [Fact]
    public async Task StartWorkflowExecution_UnknownNamespace_NotFoundWithNamespaceNotFoundFailure()
    {
        var request = Start($"nowhere-{Guid.NewGuid():N}");
        request.Namespace = "no-such-namespace";

        var error = await CallRawAsync(StartMethod, request.ToByteArray());

        error.StatusCode.Should().Be(StatusCode.NotFound);
        Detail<NamespaceNotFoundFailure>(error).Namespace.Should().Be("no-such-namespace");
    }

    [Fact]
    public async Task StartWorkflowExecution_MissingRequiredFields_InvalidArgument()
    {
        var noType = Start($"no-type-{Guid.NewGuid():N}");
        noType.WorkflowType = null;
        var noQueue = Start($"no-queue-{Guid.NewGuid():N}");
        noQueue.TaskQueue = null;
        var negative = Start($"negative-{Guid.NewGuid():N}");
        negative.WorkflowRunTimeout = TimeSpan.FromSeconds(-1).ToDuration();

        foreach (var request in new[] { noType, noQueue, negative, Start("") })
        {
            var error = await CallAsync(() => server.Client.Connection.WorkflowService.StartWorkflowExecutionAsync(request));
            error.Code.Should().Be(Temporalio.Exceptions.RpcException.StatusCode.InvalidArgument);
            if (request.WorkflowId.Length > 0)
            {
                (await CurrentRunAsync(request.WorkflowId)).Should().BeNull();
            }
        }
    }

    [Fact]
    public async Task SignalAndDescribe_UnknownWorkflow_NotFoundWithNotFoundFailure()
    {
        var signal = new SignalWorkflowExecutionRequest
        {
            Namespace = "default",
            WorkflowExecution = new WorkflowExecution { WorkflowId = $"ghost-{Guid.NewGuid():N}" },
            SignalName = "Boo",
        };
        var error = await CallRawAsync("temporal.api.workflowservice.v1.WorkflowService/SignalWorkflowExecution", signal.ToByteArray());

        error.StatusCode.Should().Be(StatusCode.NotFound);
        Detail<NotFoundFailure>(error).Should().NotBeNull();
        var describe = await CallAsync(() => server.Client.Connection.WorkflowService.DescribeWorkflowExecutionAsync(new()
        {
            Namespace = "default",
            Execution = new WorkflowExecution { WorkflowId = signal.WorkflowExecution.WorkflowId, RunId = Guid.NewGuid().ToString() },
        }));
        describe.Code.Should().Be(Temporalio.Exceptions.RpcException.StatusCode.NotFound);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 1, 2, 3, 4 })]
    [InlineData(new byte[] { 0xE7, 1, 2 })]
    public async Task RespondTasks_InvalidTaskToken_InvalidArgument(byte[] token)
    {
        var service = server.Client.Connection.WorkflowService;
        var calls = new Func<Task>[]
        {
            () => service.RespondWorkflowTaskCompletedAsync(new() { TaskToken = ByteString.CopyFrom(token), Namespace = "default" }),
            () => service.RespondWorkflowTaskFailedAsync(new() { TaskToken = ByteString.CopyFrom(token), Namespace = "default" }),
            () => service.RespondActivityTaskCompletedAsync(new() { TaskToken = ByteString.CopyFrom(token), Namespace = "default" }),
            () => service.RecordActivityTaskHeartbeatAsync(new() { TaskToken = ByteString.CopyFrom(token), Namespace = "default" }),
            () => service.RespondQueryTaskCompletedAsync(new() { TaskToken = ByteString.CopyFrom(token), Namespace = "default" }),
        };
        foreach (var call in calls)
        {
            (await CallAsync(call)).Code.Should().Be(Temporalio.Exceptions.RpcException.StatusCode.InvalidArgument);
        }
    }

    [Fact]
    public async Task RespondWorkflowTaskCompleted_StaleTokenOfARealRun_NotFoundAndHistoryUnchanged()
    {
        var request = Start($"stale-{Guid.NewGuid():N}");
        var started = await server.Client.Connection.WorkflowService.StartWorkflowExecutionAsync(request);
        var run = new RunKey("default", request.WorkflowId, started.RunId);
        var engine = server.Services.GetRequiredService<HistoryEngine>();
        var before = (await engine.GetAsync(run, CancellationToken.None))!;
        // A token naming the real workflow task, but with a stamp it never had (as if from an earlier attempt).
        var stale = new TaskToken(TaskTokenKind.WorkflowTask, run, before.WorkflowTask!.ScheduledEventId, before.WorkflowTask.Stamp + 100, 1).Encode();

        var error = await CallAsync(() => server.Client.Connection.WorkflowService.RespondWorkflowTaskCompletedAsync(new() { TaskToken = stale, Namespace = "default" }));

        error.Code.Should().Be(Temporalio.Exceptions.RpcException.StatusCode.NotFound);
        var after = (await engine.GetAsync(run, CancellationToken.None))!;
        after.NextEventId.Should().Be(before.NextEventId);
        after.Version.Should().Be(before.Version);
        await server.Client.Connection.WorkflowService.TerminateWorkflowExecutionAsync(new() { Namespace = "default", WorkflowExecution = new() { WorkflowId = request.WorkflowId } });
    }

    [Fact]
    public async Task UnimplementedMethod_Unimplemented()
    {
        var error = await CallAsync(() => server.Client.Connection.WorkflowService.CreateScheduleAsync(new() { Namespace = "default", ScheduleId = "s" }));

        error.Code.Should().Be(Temporalio.Exceptions.RpcException.StatusCode.Unimplemented);
    }

    private static StartWorkflowExecutionRequest Start(string workflowId) => new()
    {
        Namespace = "default",
        WorkflowId = workflowId,
        WorkflowType = new WorkflowType { Name = "Anything" },
        TaskQueue = new() { Name = "bad-input" },
        RequestId = Guid.NewGuid().ToString(),
    };

    private async Task<int> RunCountAsync() =>
        (await server.Client.Connection.WorkflowService.ListWorkflowExecutionsAsync(new() { Namespace = "default" })).Executions.Count;

    private async Task<CurrentRun?> CurrentRunAsync(string workflowId) =>
        await server.Services.GetRequiredService<IServerStore>().GetCurrentRunAsync(new WorkflowKey("default", workflowId), CancellationToken.None);

    private static async Task<Temporalio.Exceptions.RpcException> CallAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Temporalio.Exceptions.RpcException e)
        {
            return e;
        }
        throw new InvalidOperationException("the call succeeded");
    }

    /// <summary>Sends raw bytes as a method's request, past any client-side serialization.</summary>
    private async Task<RpcException> CallRawAsync(string method, byte[] body)
    {
        using var channel = GrpcChannel.ForAddress($"http://{server.Address}", new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        var parts = method.Split('/');
        var raw = new Method<byte[], byte[]>(MethodType.Unary, parts[0], parts[1], Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        try
        {
            await channel.CreateCallInvoker().AsyncUnaryCall(raw, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)), body);
        }
        catch (RpcException e)
        {
            return e;
        }
        throw new InvalidOperationException("the call succeeded");
    }

    private static T Detail<T>(RpcException error)
        where T : IMessage<T>, new()
    {
        var status = Status.Parser.ParseFrom(error.Trailers.GetValueBytes("grpc-status-details-bin"));
        return status.Details.Should().ContainSingle().Subject.Unpack<T>();
    }
}
