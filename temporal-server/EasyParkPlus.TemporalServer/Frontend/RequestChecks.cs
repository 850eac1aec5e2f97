using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Persistence;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Frontend;

/// <summary>Checks of request fields, with Temporal's InvalidArgument messages; nothing is changed by a refused request.</summary>
public static class RequestChecks
{
    public static string Id(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw RpcError.InvalidArgument($"{field} is not set on request.");
        }
        if (value.Length > ServerLimits.MaxIdLength)
        {
            throw RpcError.InvalidArgument($"{field} exceeds length limit.");
        }
        return value;
    }

    public static string RequestId(string? value) =>
        string.IsNullOrEmpty(value) ? Guid.NewGuid().ToString() : value.Length > ServerLimits.MaxIdLength ? throw RpcError.InvalidArgument("RequestId exceeds length limit.") : value;

    public static void Blob(IMessage? payload, string what)
    {
        if (payload is not null && payload.CalculateSize() > ServerLimits.BlobSizeLimit)
        {
            throw RpcError.InvalidArgument($"Blob data size exceeds limit ({what}).");
        }
    }

    public static void Timeout(Google.Protobuf.WellKnownTypes.Duration? duration, string field)
    {
        if (duration.IsNegative())
        {
            throw RpcError.InvalidArgument($"Invalid {field}.");
        }
    }

    public static void SearchAttributes(SearchAttributes? attributes, NamespaceRecord ns)
    {
        if (attributes is null)
        {
            return;
        }
        IndexedValueType? TypeOf(string name) => ns.SearchAttributes.TryGetValue(name, out var type) ? type : null;
        if (SearchAttributeValues.Validate(attributes, TypeOf) is { } error)
        {
            throw RpcError.InvalidArgument(error);
        }
        SearchAttributeValues.StampTypes(attributes, TypeOf);
    }

    public static void Memo(Memo? memo)
    {
        if (memo is not null && memo.CalculateSize() > ServerLimits.MemoSizeLimit)
        {
            throw RpcError.InvalidArgument("Memo size exceeds limit.");
        }
    }

    public static void Retry(RetryPolicy? policy)
    {
        if (RetryPolicies.Validate(policy) is { } error)
        {
            throw RpcError.InvalidArgument(error);
        }
    }

    public static WorkflowExecution Execution(WorkflowExecution? execution)
    {
        if (execution is null)
        {
            throw RpcError.InvalidArgument("Execution is not set on request.");
        }
        Id(execution.WorkflowId, "WorkflowId");
        if (!string.IsNullOrEmpty(execution.RunId) && !Guid.TryParse(execution.RunId, out _))
        {
            throw RpcError.InvalidArgument("Invalid RunId.");
        }
        return execution;
    }
}
