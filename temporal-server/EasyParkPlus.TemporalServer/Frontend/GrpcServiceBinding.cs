using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>A gRPC service the server binds, named as in its descriptor.</summary>
public interface IServiceEndpoint
{
    static abstract string Service { get; }
}

public sealed class WorkflowServiceEndpoint : IServiceEndpoint
{
    public static string Service => RpcRegistry.WorkflowService;
}

public sealed class OperatorServiceEndpoint : IServiceEndpoint
{
    public static string Service => RpcRegistry.OperatorService;
}

public sealed class TestServiceEndpoint : IServiceEndpoint
{
    public static string Service => RpcRegistry.TestService;
}

/// <summary>
/// Binds every method of a service from Temporalio.dll (<see cref="ServiceMethods"/>) to the <see cref="RpcRegistry"/>
/// as a unary gRPC method (no .proto files, no generated stubs): marshallers come from each message's parser, and an
/// <see cref="RpcError"/> becomes a gRPC status whose <c>grpc-status-details-bin</c> carries Temporal's error detail.
/// The generic plumbing is built once at start-up; calls use no reflection.
/// </summary>
public sealed class GrpcServiceBinding<TService>(RpcRegistry registry, ILogger<GrpcServiceBinding<TService>> logger) : IServiceMethodProvider<TService>
    where TService : class, IServiceEndpoint
{
    private static readonly MethodInfo AddMethodDefinition = typeof(GrpcServiceBinding<TService>).GetMethod(nameof(AddMethod), BindingFlags.NonPublic | BindingFlags.Instance)!;

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        // Only methods with a handler: gRPC answers the others Unimplemented itself, and binding costs start-up time.
        foreach (var method in ServiceMethods.Of(TService.Service).Where(m => registry.IsImplemented(m.FullName)))
        {
            AddMethodDefinition.MakeGenericMethod(method.Request, method.Response).Invoke(this, [context, method]);
        }
    }

    private void AddMethod<TRequest, TResponse>(ServiceMethodProviderContext<TService> context, ServiceMethod descriptor)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var name = descriptor.FullName;
        var method = new Method<TRequest, TResponse>(MethodType.Unary, descriptor.Service, descriptor.Name,
            ProtobufMarshaller.For(ServiceMethods.Parser<TRequest>()), ProtobufMarshaller.For(ServiceMethods.Parser<TResponse>()));
        context.AddUnaryMethod(method, [], async (_, request, call) =>
        {
            var deadline = call.Deadline == DateTime.MaxValue ? (DateTimeOffset?)null : new DateTimeOffset(call.Deadline, TimeSpan.Zero);
            try
            {
                return (TResponse)await registry.InvokeAsync(name, request, new RpcContext(name, deadline, call.CancellationToken));
            }
            catch (RpcError e)
            {
                throw RpcStatus.ToException(e);
            }
            catch (OperationCanceledException) when (call.CancellationToken.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.Cancelled, "The call was canceled."));
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException { IsTransient: true } or Persistence.CommitConflictException
                or Npgsql.PostgresException { SqlState: "57P01" or "57P02" })
            {
                // The database is restarting or unreachable (57P01/57P02: a pooled connection that its shutdown ended,
                // which Npgsql does not count as transient), or the run kept moving under us: the client may retry.
                Log.RpcFailed(logger, name, e);
                throw new RpcException(new Status(StatusCode.Unavailable, "The store is unavailable; try again."));
            }
            catch (Exception e) when (e is not RpcException)
            {
                Log.RpcFailed(logger, name, e);
                throw new RpcException(new Status(StatusCode.Internal, "Internal server error."));
            }
        });
    }
}

/// <summary>Protobuf marshalling straight to and from gRPC's buffers.</summary>
internal static class ProtobufMarshaller
{
    public static Marshaller<T> For<T>(MessageParser<T> parser)
        where T : class, IMessage<T> =>
        Marshallers.Create<T>(
            (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context =>
            {
                try
                {
                    return parser.ParseFrom(context.PayloadAsReadOnlySequence());
                }
                catch (InvalidProtocolBufferException e)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"Malformed request: {e.Message}"));
                }
            });
}

/// <summary>Turns an <see cref="RpcError"/> into the status Temporal's frontend would send.</summary>
internal static class RpcStatus
{
    public static RpcException ToException(RpcError error)
    {
        var status = new Google.Rpc.Status { Code = (int)error.Code, Message = error.Message };
        if (error.Detail is not null)
        {
            status.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(error.Detail));
        }
        return status.ToRpcException();
    }
}
