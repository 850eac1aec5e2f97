using System.Collections.Concurrent;
using EasyParkPlus.TemporalServer.Http;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EasyParkPlus.TemporalServer.Tests.Http;

/// <summary>
/// A stand-in for the server's dispatch point in the transcoder's own tests: it records the request message each call
/// brought and answers with what the test told it (a response, or a thrown gRPC error). The end-to-end tests use the
/// real server instead.
/// </summary>
internal sealed class RecordingInvoker : IApiMethodInvoker
{
    private readonly ConcurrentQueue<(MethodDescriptor Method, IMessage Request)> _calls = new();

    public Func<MethodDescriptor, IMessage, IMessage> Answer { get; set; } = (method, _) => method.OutputType.Parser.ParseFrom(ByteString.Empty);

    public IReadOnlyList<(MethodDescriptor Method, IMessage Request)> Calls => [.. _calls];

    public (MethodDescriptor Method, IMessage Request) Single() => Calls.Should().ContainSingle().Subject;

    public void Clear() => _calls.Clear();

    public Task<IMessage> InvokeAsync(MethodDescriptor method, IMessage request, CancellationToken cancellationToken)
    {
        _calls.Enqueue((method, request));
        return Task.FromResult(Answer(method, request));
    }
}
