using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EasyParkPlus.TemporalServer.Http;

/// <summary>
/// What the HTTP API needs of the server: call one method of Temporal's API (by its descriptor) with a request message
/// and get its response message, or an <see cref="Grpc.Core.RpcException"/> carrying Temporal's status and details,
/// exactly as a gRPC client would. Cancelled when the HTTP client goes away.
/// </summary>
internal interface IApiMethodInvoker
{
    Task<IMessage> InvokeAsync(MethodDescriptor method, IMessage request, CancellationToken cancellationToken);
}
