using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>
/// The HTTP API's way into the dispatch point: a method named by its descriptor is called on the
/// <see cref="RpcRegistry"/> exactly as gRPC calls it, and an <see cref="RpcError"/> comes out as the
/// <see cref="Grpc.Core.RpcException"/> (with Temporal's details) a gRPC client would see.
/// </summary>
internal sealed class RegistryApiInvoker(RpcRegistry registry) : Http.IApiMethodInvoker
{
    public async Task<IMessage> InvokeAsync(MethodDescriptor method, IMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await registry.InvokeAsync(method.FullName, request, new RpcContext(method.FullName, null, cancellationToken));
        }
        catch (RpcError e)
        {
            throw RpcStatus.ToException(e);
        }
    }
}
