using Google.Protobuf.Reflection;
using Temporalio.Api.Dependencies.Google.Api;

namespace EasyParkPlus.TemporalServer.Http;

/// <summary>
/// One HTTP binding of an API method: verb, path template, and which part of the request the body fills: ""
/// (no body; the rest comes from the query string), "*" (the whole request) or a field name. ResponseBody is "" for
/// the whole response, else the one response field the rule returns.
/// </summary>
internal sealed record HttpBinding(string Verb, PathTemplate Path, string Body, string ResponseBody, MethodDescriptor Method);

/// <summary>
/// The HTTP API read from the <c>google.api.http</c> options of the service descriptors Temporalio.dll carries, the way
/// grpc-gateway generates it for Temporal's frontend and UI server. Only the <c>/api/v1/...</c> bindings are served:
/// the primary ones (<c>/namespaces/{namespace}/workflows</c>, ...) would collide with the Web UI's own page routes.
/// </summary>
internal sealed class HttpApiRoutes
{
    public const string Prefix = "/api/v1/";

    private readonly Dictionary<string, HttpBinding[]> _byVerb;

    public HttpApiRoutes(IEnumerable<Google.Protobuf.Reflection.ServiceDescriptor> services)
    {
        var bindings = new List<HttpBinding>();
        foreach (var method in services.SelectMany(s => s.Methods))
        {
            if (method.IsClientStreaming || method.IsServerStreaming || method.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is not { } rule)
            {
                continue;
            }
            foreach (var candidate in rule.AdditionalBindings.Prepend(rule))
            {
                if (Binding(candidate, method) is { } binding && binding.Path.Text.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    bindings.Add(binding);
                }
            }
        }
        Bindings = bindings;
        // Should two templates match one path, the one with more literal segments wins (a fixed word over a variable).
        _byVerb = bindings.GroupBy(b => b.Verb, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(b => b.Path.LiteralCount).ToArray(), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The services whose HTTP rules Temporal's frontend serves: the WorkflowService and the OperatorService.</summary>
    public static HttpApiRoutes ForTemporal() => new(
    [
        Temporalio.Api.WorkflowService.V1.ServiceReflection.Descriptor.Services.Single(),
        Temporalio.Api.OperatorService.V1.ServiceReflection.Descriptor.Services.Single(),
    ]);

    public IReadOnlyList<HttpBinding> Bindings { get; }

    /// <summary>The binding for this verb and path (its segments, percent-decoded), with the values of its path variables.</summary>
    public (HttpBinding Binding, IReadOnlyList<KeyValuePair<string, string>> PathValues)? Find(string verb, IReadOnlyList<string> segments)
    {
        if (!_byVerb.TryGetValue(verb, out var candidates))
        {
            return null;
        }
        foreach (var binding in candidates)
        {
            if (binding.Path.Match(segments) is { } values)
            {
                return (binding, values);
            }
        }
        return null;
    }

    /// <summary>Whether any verb has a binding for the path: a 405 rather than a 404 when only the verb is wrong.</summary>
    public bool AnyVerbMatches(IReadOnlyList<string> segments) =>
        _byVerb.Values.Any(list => list.Any(b => b.Path.Match(segments) is not null));

    private static HttpBinding? Binding(HttpRule rule, MethodDescriptor method)
    {
        var (verb, path) = rule.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => ("GET", rule.Get),
            HttpRule.PatternOneofCase.Post => ("POST", rule.Post),
            HttpRule.PatternOneofCase.Put => ("PUT", rule.Put),
            HttpRule.PatternOneofCase.Delete => ("DELETE", rule.Delete),
            HttpRule.PatternOneofCase.Patch => ("PATCH", rule.Patch),
            HttpRule.PatternOneofCase.Custom => (rule.Custom.Kind, rule.Custom.Path),
            _ => (null, null),
        };
        return verb is null || path is null ? null : new HttpBinding(verb, PathTemplate.Parse(path), rule.Body, rule.ResponseBody, method);
    }
}
