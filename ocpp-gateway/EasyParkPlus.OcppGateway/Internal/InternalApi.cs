using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.OcppGateway.Internal;

public static class InternalApi
{
    public const string KeyHeader = "X-EasyPark-Internal-Key";

    /// <summary>The route group <c>/internal/v1</c>: every endpoint in it requires the internal API key.</summary>
    public static RouteGroupBuilder MapInternalApi(this IEndpointRouteBuilder endpoints)
        => endpoints.MapGroup("/internal/v1").AddEndpointFilter<InternalKeyFilter>();
}

// Constant-time comparison so the key cannot be guessed byte by byte from response times.
public sealed class InternalKeyFilter(IOptions<GatewayOptions> options) : IEndpointFilter
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(options.Value.InternalApiKey);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var presented = Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers[InternalApi.KeyHeader].ToString());
        return _key.Length > 0 && CryptographicOperations.FixedTimeEquals(presented, _key)
            ? await next(context)
            : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Internal API key required",
                detail: $"Send the gateway's internal key in the {InternalApi.KeyHeader} header.");
    }
}
