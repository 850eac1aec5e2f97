using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EasyParkPlus.Api.Tests.Support;

/// <summary>One routed endpoint of the running api, read from its endpoint data source; QueryParameters from its handler's signature.</summary>
public sealed record ApiEndpoint(string Method, string Pattern, Type? BodyType, IReadOnlyList<string> Policies, bool AllowsAnonymous, IReadOnlyList<string> QueryParameters)
{
    public bool RequiresAuth => !AllowsAnonymous && Policies.Count > 0;

    /// <summary>The route with every parameter filled: GUIDs for :guid parameters, a plausible id otherwise.</summary>
    public string Url() => Regex.Replace(Pattern.TrimStart('/'), @"\{(\w+)(:[^}]*)?\}", m =>
        m.Groups[2].Value.Contains("guid", StringComparison.Ordinal) ? Guid.NewGuid().ToString() : m.Groups[1].Value == "facilityId" ? "BOS" : "no-such-" + m.Groups[1].Value);

    public override string ToString() => $"{Method} {Pattern}";
}

public static class ApiEndpoints
{
    /// <summary>Every /api/v1 endpoint, so a test over them covers endpoints added later without being edited.</summary>
    public static IReadOnlyList<ApiEndpoint> All(IServiceProvider services) =>
        [.. services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(method => new ApiEndpoint(
                method,
                e.RoutePattern.RawText!,
                e.Metadata.GetOrderedMetadata<IAcceptsMetadata>().Select(a => a.RequestType).FirstOrDefault(t => t is not null),
                [.. e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).OfType<string>()],
                e.Metadata.GetMetadata<IAllowAnonymous>() is not null,
                QueryParameters(e))))
            .OrderBy(e => e.Pattern, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)];

    // Handler parameters of plain value types that are not route values: minimal APIs bind those from the query string.
    private static IReadOnlyList<string> QueryParameters(RouteEndpoint endpoint)
    {
        var route = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return endpoint.Metadata.GetMetadata<MethodInfo>() is { } handler
            ? [.. handler.GetParameters().Where(p => p.Name is not null && !route.Contains(p.Name) && IsPlain(p.ParameterType)).Select(p => p.Name!)]
            : [];
    }

    private static bool IsPlain(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid)
            || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(DateOnly) || type == typeof(TimeSpan);
    }
}
