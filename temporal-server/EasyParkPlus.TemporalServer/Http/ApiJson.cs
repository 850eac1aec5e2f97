using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EasyParkPlus.TemporalServer.Http;

/// <summary>
/// The proto3 JSON mapping the HTTP API speaks, as the Temporal UI server's grpc-gateway does: lowerCamelCase names,
/// enums by name, 64-bit integers as strings, RFC 3339 timestamps, durations like "10s", bytes (payload data) in base64,
/// fields at their default value left out. Unknown fields in a request are an error, not silently dropped.
/// </summary>
internal static class ApiJson
{
    /// <summary>Every message Temporalio.dll carries, so that an <c>Any</c> (error details) can be written by its type URL.</summary>
    public static readonly TypeRegistry Types = TypeRegistry.FromFiles(
        typeof(Temporalio.Api.WorkflowService.V1.ServiceReflection).Assembly.GetTypes()
            .Where(t => t.Name.EndsWith("Reflection", StringComparison.Ordinal) && t.GetProperty("Descriptor")?.GetValue(null) is FileDescriptor)
            .Select(t => (FileDescriptor)t.GetProperty("Descriptor")!.GetValue(null)!)
            .ToArray());

    public static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithTypeRegistry(Types));

    public static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithTypeRegistry(Types));
}
