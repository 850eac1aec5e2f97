using System.Collections.Concurrent;
using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Persistence;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>
/// The namespaces and their custom search attributes, cached from the store (a handful of rows that change rarely).
/// Every request names its namespace; an unknown one is NotFound with NamespaceNotFoundFailure.
/// </summary>
public sealed class NamespaceRegistry(IServerStore store, TimeProvider wall)
{
    private readonly ConcurrentDictionary<string, NamespaceRecord> _cache = new(StringComparer.Ordinal);

    /// <summary>System search attributes every namespace has (what list filters and the UI may use).</summary>
    public static readonly IReadOnlyDictionary<string, IndexedValueType> SystemAttributes = new Dictionary<string, IndexedValueType>(StringComparer.Ordinal)
    {
        ["WorkflowId"] = IndexedValueType.Keyword,
        ["RunId"] = IndexedValueType.Keyword,
        ["WorkflowType"] = IndexedValueType.Keyword,
        ["StartTime"] = IndexedValueType.Datetime,
        ["CloseTime"] = IndexedValueType.Datetime,
        ["ExecutionTime"] = IndexedValueType.Datetime,
        ["ExecutionStatus"] = IndexedValueType.Keyword,
        ["ExecutionDuration"] = IndexedValueType.Int,
        ["TaskQueue"] = IndexedValueType.Keyword,
        ["HistoryLength"] = IndexedValueType.Int,
        ["HistorySizeBytes"] = IndexedValueType.Int,
        ["StateTransitionCount"] = IndexedValueType.Int,
        ["ParentWorkflowId"] = IndexedValueType.Keyword,
        ["ParentRunId"] = IndexedValueType.Keyword,
        ["RootWorkflowId"] = IndexedValueType.Keyword,
        ["RootRunId"] = IndexedValueType.Keyword,
        ["TemporalChangeVersion"] = IndexedValueType.KeywordList,
        ["BinaryChecksums"] = IndexedValueType.KeywordList,
        ["BuildIds"] = IndexedValueType.KeywordList,
    };

    /// <summary>Custom attributes a fresh namespace has, as on Temporal's dev server.</summary>
    public static readonly IReadOnlyDictionary<string, IndexedValueType> DefaultCustomAttributes = new Dictionary<string, IndexedValueType>(StringComparer.Ordinal)
    {
        ["CustomKeywordField"] = IndexedValueType.Keyword,
        ["CustomStringField"] = IndexedValueType.Text,
        ["CustomTextField"] = IndexedValueType.Text,
        ["CustomIntField"] = IndexedValueType.Int,
        ["CustomDoubleField"] = IndexedValueType.Double,
        ["CustomBoolField"] = IndexedValueType.Bool,
        ["CustomDatetimeField"] = IndexedValueType.Datetime,
    };

    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(1);

    /// <summary>Loads the stored namespaces and creates the ones given (with extra search attributes) when missing.</summary>
    public async Task InitializeAsync(IEnumerable<string> names, IReadOnlyDictionary<string, IndexedValueType> searchAttributes, CancellationToken cancellationToken)
    {
        foreach (var record in await store.LoadNamespacesAsync(cancellationToken))
        {
            _cache[record.Name] = record;
        }
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            if (!_cache.ContainsKey(name))
            {
                await RegisterAsync(name, "", DefaultRetention, cancellationToken);
            }
            if (searchAttributes.Count > 0)
            {
                await AddSearchAttributesAsync(name, searchAttributes, cancellationToken);
            }
        }
    }

    public IReadOnlyList<NamespaceRecord> All => [.. _cache.Values.OrderBy(n => n.Name, StringComparer.Ordinal)];

    public bool Exists(string name) => _cache.ContainsKey(name);

    /// <summary>The namespace a request names.</summary>
    /// <exception cref="RpcError">InvalidArgument when none is named, NotFound when it does not exist.</exception>
    public NamespaceRecord Require(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw RpcError.InvalidArgument("Namespace not set on request.");
        }
        return _cache.TryGetValue(name, out var record) ? record : throw RpcError.NamespaceNotFound(name);
    }

    /// <summary>The type of a search attribute a workflow may set in this namespace (custom or upsertable system one).</summary>
    public IndexedValueType? UpsertableType(string ns, string attribute) =>
        _cache.TryGetValue(ns, out var record) && record.SearchAttributes.TryGetValue(attribute, out var type) ? type
        : SearchAttributeValues.SystemUpsertable.TryGetValue(attribute, out var system) ? system
        : null;

    public async Task<NamespaceRecord> RegisterAsync(string name, string description, TimeSpan retention, CancellationToken cancellationToken)
    {
        var record = new NamespaceRecord(name, Guid.NewGuid().ToString(), description, retention,
            new Dictionary<string, IndexedValueType>(DefaultCustomAttributes, StringComparer.Ordinal), wall.GetUtcNow());
        if (!await store.SaveNamespaceAsync(record, 0, cancellationToken))
        {
            throw RpcError.NamespaceAlreadyExists(name);
        }
        return _cache[name] = record with { Revision = 1 };
    }

    /// <summary>Changes a namespace with <paramref name="change"/>, retrying when another change won the race.</summary>
    public async Task<NamespaceRecord> ChangeAsync(string name, Func<NamespaceRecord, NamespaceRecord> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = Require(name);
            var changed = change(current);
            if (await store.SaveNamespaceAsync(changed, current.Revision, cancellationToken))
            {
                return _cache[name] = changed with { Revision = current.Revision + 1 };
            }
            foreach (var record in await store.LoadNamespacesAsync(cancellationToken))
            {
                _cache[record.Name] = record;
            }
        }
        throw RpcError.Unavailable($"Namespace {name} is changing; try again.");
    }

    public Task<NamespaceRecord> AddSearchAttributesAsync(string name, IReadOnlyDictionary<string, IndexedValueType> attributes, CancellationToken cancellationToken) =>
        ChangeAsync(name, ns =>
        {
            var merged = new Dictionary<string, IndexedValueType>(ns.SearchAttributes, StringComparer.Ordinal);
            foreach (var (attribute, type) in attributes)
            {
                merged[attribute] = type;
            }
            return ns with { SearchAttributes = merged };
        }, cancellationToken);
}
