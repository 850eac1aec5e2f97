using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Persistence;
using Google.Protobuf;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Namespace.V1;
using Temporalio.Api.OperatorService.V1;
using Temporalio.Api.WorkflowService.V1;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>What the server is and which namespaces it has: system and cluster info, namespaces, search attributes.</summary>
public sealed class NamespaceRpcs(NamespaceRegistry namespaces)
{
    /// <summary>The Temporal server version we answer as (the Web UI switches features on by it).</summary>
    public const string ServerVersion = "1.29.0";

    public void Map(RpcRegistry registry)
    {
        var ws = RpcRegistry.WorkflowService;
        registry.Map<GetSystemInfoRequest, GetSystemInfoResponse>(ws, "GetSystemInfo", (_, _) => ValueTask.FromResult(SystemInfo()));
        registry.Map<GetClusterInfoRequest, GetClusterInfoResponse>(ws, "GetClusterInfo", (_, _) => ValueTask.FromResult(ClusterInfo()));
        registry.Map<DescribeNamespaceRequest, DescribeNamespaceResponse>(ws, "DescribeNamespace", (r, _) => ValueTask.FromResult(Describe(Find(r))));
        registry.Map<ListNamespacesRequest, ListNamespacesResponse>(ws, "ListNamespaces", (r, _) => ValueTask.FromResult(List(r)));
        registry.Map<RegisterNamespaceRequest, RegisterNamespaceResponse>(ws, "RegisterNamespace", RegisterAsync);
        registry.Map<UpdateNamespaceRequest, UpdateNamespaceResponse>(ws, "UpdateNamespace", UpdateAsync);
        registry.Map<GetSearchAttributesRequest, GetSearchAttributesResponse>(ws, "GetSearchAttributes", (_, _) => ValueTask.FromResult(AllKeys()));

        var os = RpcRegistry.OperatorService;
        registry.Map<AddSearchAttributesRequest, AddSearchAttributesResponse>(os, "AddSearchAttributes", AddSearchAttributesAsync);
        registry.Map<RemoveSearchAttributesRequest, RemoveSearchAttributesResponse>(os, "RemoveSearchAttributes", RemoveSearchAttributesAsync);
        registry.Map<ListSearchAttributesRequest, ListSearchAttributesResponse>(os, "ListSearchAttributes", (r, _) => ValueTask.FromResult(ListSearchAttributes(r)));
    }

    public static GetSystemInfoResponse SystemInfo() => new()
    {
        ServerVersion = ServerVersion,
        Capabilities = new()
        {
            SignalAndQueryHeader = true,
            InternalErrorDifferentiation = true,
            ActivityFailureIncludeHeartbeat = true,
            SupportsSchedules = false,
            EncodedFailureAttributes = true,
            BuildIdBasedVersioning = false,
            UpsertMemo = true,
            EagerWorkflowStart = true,
            SdkMetadata = true,
            CountGroupByExecutionStatus = true,
            Nexus = false,
        },
    };

    private static GetClusterInfoResponse ClusterInfo() => new()
    {
        ServerVersion = ServerVersion,
        ClusterId = "easyparkplus-temporal-server",
        ClusterName = "active",
        HistoryShardCount = 1,
        PersistenceStore = "easyparkplus",
        VisibilityStore = "easyparkplus",
        SupportedClients = { ["temporal-cli"] = ">=0.0.0", ["temporal-ui"] = ">=0.0.0" },
    };

    private NamespaceRecord Find(DescribeNamespaceRequest request)
    {
        if (!string.IsNullOrEmpty(request.Id))
        {
            return namespaces.All.FirstOrDefault(n => n.Id == request.Id) ?? throw RpcError.NamespaceNotFound(request.Id);
        }
        return namespaces.Require(request.Namespace);
    }

    public static DescribeNamespaceResponse Describe(NamespaceRecord ns) => new()
    {
        NamespaceInfo = new NamespaceInfo
        {
            Name = ns.Name,
            Id = ns.Id,
            State = NamespaceState.Registered,
            Description = ns.Description,
            Capabilities = new() { EagerWorkflowStart = true, SyncUpdate = true, AsyncUpdate = true },
        },
        Config = new NamespaceConfig
        {
            WorkflowExecutionRetentionTtl = ns.Retention.ToDuration(),
            HistoryArchivalState = ArchivalState.Disabled,
            VisibilityArchivalState = ArchivalState.Disabled,
        },
        ReplicationConfig = new() { ActiveClusterName = "active", Clusters = { new Temporalio.Api.Replication.V1.ClusterReplicationConfig { ClusterName = "active" } } },
        IsGlobalNamespace = false,
    };

    private ListNamespacesResponse List(ListNamespacesRequest request)
    {
        var all = namespaces.All;
        var skip = request.NextPageToken.IsEmpty ? 0 : int.TryParse(request.NextPageToken.ToStringUtf8(), out var s) ? s : 0;
        var size = request.PageSize is > 0 and < 1000 ? request.PageSize : 100;
        var response = new ListNamespacesResponse();
        response.Namespaces.AddRange(all.Skip(skip).Take(size).Select(Describe));
        if (skip + size < all.Count)
        {
            response.NextPageToken = ByteString.CopyFromUtf8((skip + size).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return response;
    }

    private async ValueTask<RegisterNamespaceResponse> RegisterAsync(RegisterNamespaceRequest request, RpcContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Namespace) || request.Namespace.Length > 255)
        {
            throw RpcError.InvalidArgument("Namespace name is invalid.");
        }
        if (request.WorkflowExecutionRetentionPeriod.IsNegative())
        {
            throw RpcError.InvalidArgument("Retention period cannot be negative.");
        }
        var retention = request.WorkflowExecutionRetentionPeriod.IsPositive() ? request.WorkflowExecutionRetentionPeriod.ToTimeSpanOrZero() : NamespaceRegistry.DefaultRetention;
        await namespaces.RegisterAsync(request.Namespace, request.Description, retention, context.CancellationToken);
        return new RegisterNamespaceResponse();
    }

    private async ValueTask<UpdateNamespaceResponse> UpdateAsync(UpdateNamespaceRequest request, RpcContext context)
    {
        var updated = await namespaces.ChangeAsync(request.Namespace, ns => ns with
        {
            Description = request.UpdateInfo?.Description is { Length: > 0 } description ? description : ns.Description,
            Retention = request.Config?.WorkflowExecutionRetentionTtl is { } ttl && ttl.IsPositive() ? ttl.ToTimeSpanOrZero() : ns.Retention,
        }, context.CancellationToken);
        var described = Describe(updated);
        return new UpdateNamespaceResponse { NamespaceInfo = described.NamespaceInfo, Config = described.Config, ReplicationConfig = described.ReplicationConfig };
    }

    private GetSearchAttributesResponse AllKeys()
    {
        var response = new GetSearchAttributesResponse();
        foreach (var (name, type) in NamespaceRegistry.SystemAttributes)
        {
            response.Keys[name] = type;
        }
        foreach (var ns in namespaces.All)
        {
            foreach (var (name, type) in ns.SearchAttributes)
            {
                response.Keys[name] = type;
            }
        }
        return response;
    }

    private async ValueTask<AddSearchAttributesResponse> AddSearchAttributesAsync(AddSearchAttributesRequest request, RpcContext context)
    {
        var ns = namespaces.Require(request.Namespace);
        if (request.SearchAttributes.Count == 0)
        {
            throw RpcError.InvalidArgument("Search attributes are not set on request.");
        }
        foreach (var (name, type) in request.SearchAttributes)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Length > 255 || name.Any(char.IsWhiteSpace))
            {
                throw RpcError.InvalidArgument($"Search attribute name {name} is invalid.");
            }
            if (type == IndexedValueType.Unspecified || !Enum.IsDefined(type))
            {
                throw RpcError.InvalidArgument($"Unknown index value type {type} for search attribute {name}.");
            }
            if (NamespaceRegistry.SystemAttributes.ContainsKey(name) || Visibility.SearchAttributeSchema.IsReserved(name))
            {
                throw RpcError.InvalidArgument($"Search attribute {name} is reserved by system.");
            }
            if (ns.SearchAttributes.TryGetValue(name, out var existing) && existing != type)
            {
                throw RpcError.AlreadyExists($"Search attribute {name} already exists with type {SearchAttributeValues.TypeName(existing)}.");
            }
        }
        await namespaces.AddSearchAttributesAsync(ns.Name, request.SearchAttributes.ToDictionary(), context.CancellationToken);
        return new AddSearchAttributesResponse();
    }

    private async ValueTask<RemoveSearchAttributesResponse> RemoveSearchAttributesAsync(RemoveSearchAttributesRequest request, RpcContext context)
    {
        var ns = namespaces.Require(request.Namespace);
        foreach (var name in request.SearchAttributes)
        {
            if (!ns.SearchAttributes.ContainsKey(name))
            {
                throw RpcError.NotFound($"Search attribute {name} doesn't exist.");
            }
        }
        await namespaces.ChangeAsync(ns.Name, n => n with
        {
            SearchAttributes = n.SearchAttributes.Where(a => !request.SearchAttributes.Contains(a.Key)).ToDictionary(StringComparer.Ordinal),
        }, context.CancellationToken);
        return new RemoveSearchAttributesResponse();
    }

    private ListSearchAttributesResponse ListSearchAttributes(ListSearchAttributesRequest request)
    {
        var ns = namespaces.Require(request.Namespace);
        var response = new ListSearchAttributesResponse();
        foreach (var (name, type) in NamespaceRegistry.SystemAttributes)
        {
            response.SystemAttributes[name] = type;
        }
        foreach (var (name, type) in ns.SearchAttributes)
        {
            response.CustomAttributes[name] = type;
        }
        return response;
    }
}
