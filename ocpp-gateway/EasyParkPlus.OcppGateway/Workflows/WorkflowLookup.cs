using System.Security.Cryptography;
using System.Text;
using Temporalio.Api.Common.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Converters;

namespace EasyParkPlus.OcppGateway.Workflows;

internal static class WorkflowLookup
{
    /// <summary>
    /// The same device event always yields the same id, so a redelivered event finds the workflow it already started.
    /// </summary>
    public static Guid StableId(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return new Guid(hash[..16]);
    }

    /// <summary>
    /// Signals the workflow's current run under the device event's own request id, so Temporal records a redelivered
    /// event once (the SDK's typed signal picks a fresh request id per call). The argument is encoded with the client's
    /// data converter, as the typed call would.
    /// </summary>
    public static async Task SignalOnceAsync(this ITemporalClient client, string workflowId, string signal, object argument, string requestId,
        CancellationToken cancellationToken)
    {
        var input = new Payloads { Payloads_ = { await client.Options.DataConverter.ToPayloadAsync(argument) } };
        await client.WorkflowService.SignalWorkflowExecutionAsync(new SignalWorkflowExecutionRequest
        {
            Namespace = client.Options.Namespace,
            WorkflowExecution = new() { WorkflowId = workflowId },
            SignalName = signal,
            Input = input,
            Identity = client.Connection.Options.Identity ?? "easypark-gateway",
            RequestId = requestId,
        }, new() { CancellationToken = cancellationToken });
    }
}
