using System.Collections.Frozen;
using Google.Protobuf;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>Per-call facts a handler may use, whatever the transport: cancellation and the caller's deadline.</summary>
public sealed record RpcContext(string Method, DateTimeOffset? Deadline, CancellationToken CancellationToken)
{
    /// <summary>How long a long poll may wait: a little less than the caller's deadline, at most <paramref name="max"/>.</summary>
    public TimeSpan LongPollTimeout(TimeSpan max, DateTimeOffset now)
    {
        if (Deadline is not { } deadline)
        {
            return max;
        }
        // Answer before the caller gives up, so it gets an (empty) response rather than a deadline error.
        var remaining = deadline - now - TimeSpan.FromSeconds(1);
        return remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining < max ? remaining : max;
    }
}

/// <summary>
/// The one dispatch point of the server. Every method of Temporal's WorkflowService, OperatorService and
/// TestService, named by its descriptor's full name (for example
/// <c>temporal.api.workflowservice.v1.WorkflowService.StartWorkflowExecution</c>, see <see cref="ServiceMethods"/>), maps to one handler that takes
/// the request message and returns the response message; errors are <see cref="RpcError"/>. gRPC binds every
/// descriptor method to it (<see cref="GrpcServiceBinding{TService}"/>); an HTTP/JSON API for the Web UI can
/// transcode the <c>google.api.http</c> annotations of the same descriptors onto <see cref="InvokeAsync"/>.
/// A method without a handler answers Unimplemented.
/// </summary>
public sealed class RpcRegistry
{
    public delegate ValueTask<IMessage> Handler(IMessage request, RpcContext context);

    private readonly Dictionary<string, Handler> _handlers = new(StringComparer.Ordinal);
    private FrozenDictionary<string, Handler>? _frozen;

    /// <summary>The services the server speaks (full names as in their descriptors).</summary>
    public const string WorkflowService = ServiceMethods.WorkflowService;
    public const string OperatorService = ServiceMethods.OperatorService;
    public const string TestService = ServiceMethods.TestService;

    /// <summary>Registers the handler of <paramref name="service"/>'s method <paramref name="method"/> (checked against its message types).</summary>
    public void Map<TRequest, TResponse>(string service, string method, Func<TRequest, RpcContext, ValueTask<TResponse>> handler)
        where TRequest : IMessage
        where TResponse : IMessage
    {
        var descriptor = ServiceMethods.Of(service).FirstOrDefault(m => m.Name == method) ?? throw new ArgumentException($"{service} has no method {method}", nameof(method));
        if (descriptor.Request != typeof(TRequest) || descriptor.Response != typeof(TResponse))
        {
            throw new ArgumentException($"{descriptor.FullName} takes {descriptor.Request.Name} and returns {descriptor.Response.Name}", nameof(handler));
        }
        if (_frozen is not null)
        {
            throw new InvalidOperationException("the registry is sealed");
        }
        _handlers[descriptor.FullName] = async (request, context) =>
        {
            try
            {
                return await handler((TRequest)request, context);
            }
            catch (Visibility.VisibilityArgumentException e)
            {
                // A list filter, page token or search attribute value the visibility language refuses.
                throw RpcError.InvalidArgument(e.Message);
            }
        };
    }

    /// <summary>Ends registration (lookups are lock-free afterwards).</summary>
    public void Seal() => _frozen ??= _handlers.ToFrozenDictionary(StringComparer.Ordinal);

    public bool IsImplemented(string methodFullName) => Handlers.ContainsKey(methodFullName);

    /// <summary>Calls the handler of <paramref name="methodFullName"/>; Unimplemented when it has none.</summary>
    public ValueTask<IMessage> InvokeAsync(string methodFullName, IMessage request, RpcContext context) =>
        Handlers.TryGetValue(methodFullName, out var handler)
            ? handler(request, context)
            : throw RpcError.Unimplemented($"{methodFullName} is not implemented by this server.");

    private FrozenDictionary<string, Handler> Handlers => _frozen ?? throw new InvalidOperationException("the registry is not sealed yet");
}
