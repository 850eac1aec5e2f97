using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using EasyParkPlus.Workflows.Charging;
using EasyParkPlus.Workflows.Parking;
using EasyParkPlus.Workflows.Reservations;
using EasyParkPlus.Workflows.Subscriptions;
using Temporalio.Workflows;

namespace EasyParkPlus.Api.Endpoints;

/// <summary>A business workflow type as the api knows it: its signals' parameter types, its Status and result types.</summary>
public sealed record WorkflowEntry(string Name, IReadOnlyDictionary<string, IReadOnlyList<Type>> Signals, Type? StatusType, Type? ResultType);

/// <summary>A workflow type the operator endpoints should know besides the business ones (registered in DI).</summary>
public sealed record KnownWorkflow(Type Type);

/// <summary>
/// Workflow types as the api knows them, read from their Temporalio definitions once: the four business types
/// (<see cref="Business"/>), plus, for the operator endpoints, any <see cref="KnownWorkflow"/> registered. The api needs
/// them to send an operator's signal with typed input and to show query answers and results in its own JSON; the
/// workflows themselves run in the worker.
/// </summary>
public sealed class WorkflowCatalog
{
    private readonly Dictionary<string, WorkflowEntry> _entries;

    public WorkflowCatalog(IEnumerable<KnownWorkflow> known)
        : this([typeof(ParkingSession), typeof(Reservation), typeof(ChargingSession), typeof(SubscriptionRenewal), .. known.Select(k => k.Type)])
    {
    }

    private WorkflowCatalog(IEnumerable<Type> types)
    {
        _entries = types.Distinct().Select(Read).ToDictionary(e => e.Name, StringComparer.Ordinal);
        Names = [.. _entries.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>The business workflow types only.</summary>
    public static WorkflowCatalog Business { get; } = new(Array.Empty<KnownWorkflow>());

    public IReadOnlyCollection<string> Names { get; }

    public WorkflowEntry? Find(string? name) => name is not null && _entries.TryGetValue(name, out var entry) ? entry : null;

    // The definition validates the type as the worker would and knows the names; the parameter types come from the
    // members, named as the SDK names them (the attribute's name, else the method's without Async, the property's).
    private static WorkflowEntry Read(Type type)
    {
        var definition = WorkflowDefinition.Create(type);
        var signals = type.GetMethods()
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<WorkflowSignalAttribute>(inherit: false)))
            .Where(s => s.Attribute is not null)
            .ToDictionary(s => s.Attribute!.Name ?? TrimAsync(s.Method.Name),
                s => (IReadOnlyList<Type>)[.. s.Method.GetParameters().Select(p => p.ParameterType)], StringComparer.Ordinal);
        var unknown = signals.Keys.Except(definition.Signals.Keys.OfType<string>()).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException($"{type.Name}: signals {string.Join(", ", unknown)} are not what the SDK registers.");
        }
        var status = definition.Queries.ContainsKey("Status")
            ? type.GetProperties().FirstOrDefault(p => p.GetCustomAttribute<WorkflowQueryAttribute>(inherit: false) is { } q && (q.Name ?? p.Name) == "Status")?.PropertyType
            : null;
        var run = definition.RunMethod.ReturnType;
        var result = run.IsGenericType ? run.GetGenericArguments()[0] : null;
        return new WorkflowEntry(definition.Name ?? type.Name, signals, status, result);
    }

    private static string TrimAsync(string name) => name.EndsWith("Async", StringComparison.Ordinal) ? name[..^"Async".Length] : name;
}

/// <summary>Moves payloads between Temporal's JSON (the SDK's default converter) and the api's (web names, enum names).</summary>
public static class WorkflowJson
{
    private static readonly JsonSerializerOptions Temporal = new();

    public static JsonSerializerOptions Api { get; } = CreateApiOptions();

    /// <summary>A payload as Temporal carries it, read as <paramref name="type"/> and written as the api writes it.</summary>
    public static JsonElement Reshape(JsonElement raw, Type type) =>
        JsonSerializer.SerializeToElement(raw.Deserialize(type, Temporal), type, Api);

    /// <summary>An operator's input for a parameter of <paramref name="type"/>, read as the api reads request bodies.</summary>
    public static object? Read(JsonElement input, Type type) => input.Deserialize(type, Api);

    private static JsonSerializerOptions CreateApiOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
