using System.Collections.Frozen;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>The system search attributes: fields of every execution rather than entries of its search attributes.</summary>
public enum SystemField
{
    WorkflowId,
    RunId,
    WorkflowType,
    TaskQueue,
    ExecutionStatus,
    StartTime,
    ExecutionTime,
    CloseTime,
    ExecutionDuration,
    HistoryLength,
    HistorySizeBytes,
    StateTransitionCount,
    ParentWorkflowId,
    ParentRunId,
    RootWorkflowId,
    RootRunId,
}

/// <summary>
/// A search attribute a filter names, resolved: its canonical name, its type, and the system field it
/// is (null for custom and predefined attributes, which live in the execution's search attributes).
/// </summary>
public sealed record SearchAttribute(string Name, IndexedValueType Type, SystemField? Field);

/// <summary>
/// The search attributes of one namespace: Temporal's system attributes, the predefined ones Temporal
/// lets users query (<c>TemporalChangeVersion</c>, <c>BuildIds</c>, ...), and the namespace's custom
/// attributes with their types. Names are case-sensitive, as in Temporal.
/// </summary>
public sealed class SearchAttributeSchema
{
    /// <summary>System attributes and their types, as GetSearchAttributes reports them.</summary>
    public static IReadOnlyDictionary<string, IndexedValueType> SystemAttributes { get; } = new Dictionary<string, IndexedValueType>
    {
        [nameof(SystemField.WorkflowId)] = IndexedValueType.Keyword,
        [nameof(SystemField.RunId)] = IndexedValueType.Keyword,
        [nameof(SystemField.WorkflowType)] = IndexedValueType.Keyword,
        [nameof(SystemField.TaskQueue)] = IndexedValueType.Keyword,
        [nameof(SystemField.ExecutionStatus)] = IndexedValueType.Keyword,
        [nameof(SystemField.StartTime)] = IndexedValueType.Datetime,
        [nameof(SystemField.ExecutionTime)] = IndexedValueType.Datetime,
        [nameof(SystemField.CloseTime)] = IndexedValueType.Datetime,
        [nameof(SystemField.ExecutionDuration)] = IndexedValueType.Int,
        [nameof(SystemField.HistoryLength)] = IndexedValueType.Int,
        [nameof(SystemField.HistorySizeBytes)] = IndexedValueType.Int,
        [nameof(SystemField.StateTransitionCount)] = IndexedValueType.Int,
        [nameof(SystemField.ParentWorkflowId)] = IndexedValueType.Keyword,
        [nameof(SystemField.ParentRunId)] = IndexedValueType.Keyword,
        [nameof(SystemField.RootWorkflowId)] = IndexedValueType.Keyword,
        [nameof(SystemField.RootRunId)] = IndexedValueType.Keyword,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Attributes Temporal predefines for its own features; they are stored with the custom ones, and
    /// no namespace may register a custom attribute of the same name.
    /// </summary>
    public static IReadOnlyDictionary<string, IndexedValueType> PredefinedAttributes { get; } = new Dictionary<string, IndexedValueType>
    {
        ["TemporalChangeVersion"] = IndexedValueType.KeywordList,
        ["BinaryChecksums"] = IndexedValueType.KeywordList,
        ["BuildIds"] = IndexedValueType.KeywordList,
        ["BatcherNamespace"] = IndexedValueType.Keyword,
        ["BatcherUser"] = IndexedValueType.Keyword,
        ["TemporalScheduledStartTime"] = IndexedValueType.Datetime,
        ["TemporalScheduledById"] = IndexedValueType.Keyword,
        ["TemporalSchedulePaused"] = IndexedValueType.Bool,
        ["TemporalNamespaceDivision"] = IndexedValueType.Keyword,
        ["TemporalPauseInfo"] = IndexedValueType.KeywordList,
        ["TemporalReportedProblems"] = IndexedValueType.KeywordList,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private const string ReservedPrefix = "Temporal";

    private static readonly FrozenDictionary<string, SearchAttribute> Builtin = SystemAttributes
        .Select(pair => new SearchAttribute(pair.Key, pair.Value, Enum.Parse<SystemField>(pair.Key)))
        .Concat(PredefinedAttributes.Select(pair => new SearchAttribute(pair.Key, pair.Value, null)))
        .ToFrozenDictionary(attribute => attribute.Name, StringComparer.Ordinal);

    private readonly FrozenDictionary<string, SearchAttribute> _custom;

    /// <param name="customAttributes">The namespace's custom attributes (as OperatorService AddSearchAttributes registered them).</param>
    /// <exception cref="ArgumentException">A custom name that is a system or predefined name, or a type that is unspecified.</exception>
    public SearchAttributeSchema(IReadOnlyDictionary<string, IndexedValueType> customAttributes)
    {
        foreach (var (name, type) in customAttributes)
        {
            if (IsReserved(name))
            {
                throw new ArgumentException($"'{name}' is a system or predefined search attribute and cannot be custom", nameof(customAttributes));
            }
            if (!Enum.IsDefined(type) || type == IndexedValueType.Unspecified)
            {
                throw new ArgumentException($"search attribute '{name}' has no valid type ({type})", nameof(customAttributes));
            }
        }
        CustomAttributes = customAttributes.ToFrozenDictionary(StringComparer.Ordinal);
        _custom = customAttributes
            .Select(pair => new SearchAttribute(pair.Key, pair.Value, null))
            .ToFrozenDictionary(attribute => attribute.Name, StringComparer.Ordinal);
    }

    /// <summary>A namespace without custom attributes.</summary>
    public static SearchAttributeSchema Empty { get; } = new(new Dictionary<string, IndexedValueType>());

    public IReadOnlyDictionary<string, IndexedValueType> CustomAttributes { get; }

    /// <summary>Whether a name belongs to a system or predefined attribute (so it cannot be registered as custom).</summary>
    public static bool IsReserved(string name) => Builtin.ContainsKey(name);

    /// <summary>
    /// The attribute a filter means by <paramref name="name"/>: a custom attribute first, then a system
    /// or predefined one, then the same name with Temporal's reserved prefix added or removed (so
    /// <c>TemporalWorkflowId</c> is <c>WorkflowId</c> and <c>ChangeVersion</c> is <c>TemporalChangeVersion</c>).
    /// </summary>
    public SearchAttribute? Find(string name)
    {
        if (_custom.TryGetValue(name, out var custom) || Builtin.TryGetValue(name, out custom))
        {
            return custom;
        }
        var toggled = name.StartsWith(ReservedPrefix, StringComparison.Ordinal) ? name[ReservedPrefix.Length..] : ReservedPrefix + name;
        return Builtin.GetValueOrDefault(toggled);
    }

    /// <summary>The type of an attribute stored among an execution's search attributes (custom or predefined).</summary>
    public IndexedValueType? StoredType(string name) =>
        _custom.TryGetValue(name, out var custom) ? custom.Type
        : PredefinedAttributes.TryGetValue(name, out var predefined) ? predefined
        : null;

    /// <summary>Names that differ from <paramref name="name"/> only in case, to help a user who mistyped one.</summary>
    internal string? CaseInsensitiveMatch(string name) =>
        _custom.Keys.Concat(Builtin.Keys).FirstOrDefault(known => string.Equals(known, name, StringComparison.OrdinalIgnoreCase));
}
