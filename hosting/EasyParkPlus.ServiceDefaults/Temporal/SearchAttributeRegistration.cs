using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Temporalio.Api.OperatorService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;

namespace EasyParkPlus.ServiceDefaults.Temporal;

/// <summary>
/// Registers the application's custom search attributes in its namespace at start-up, before workflows are started or
/// listed by them. Adds only the missing ones, so every process may run it and a restart changes nothing; an attribute
/// that exists with another type stops the start with a clear error.
/// </summary>
public sealed partial class SearchAttributeRegistration(
    ITemporalClient client, IOptions<TemporalOptions> options, SearchAttributeRegistration.Keys keys, ILogger<SearchAttributeRegistration> logger) : IHostedService
{
    public sealed record Keys(IReadOnlyList<SearchAttributeKey> All);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.RegisterSearchAttributes)
        {
            return;
        }
        var added = await RegisterAsync(client, options.Value.Namespace, keys.All, cancellationToken);
        LogRegistered(options.Value.Namespace, added.Count, string.Join(", ", added));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Adds the keys the namespace lacks and returns their names.</summary>
    public static async Task<IReadOnlyList<string>> RegisterAsync(
        ITemporalClient client, string ns, IEnumerable<SearchAttributeKey> keys, CancellationToken cancellationToken = default)
    {
        var rpc = new RpcOptions { CancellationToken = cancellationToken };
        var existing = await client.Connection.OperatorService.ListSearchAttributesAsync(new ListSearchAttributesRequest { Namespace = ns }, rpc);
        var request = new AddSearchAttributesRequest { Namespace = ns };
        foreach (var key in keys)
        {
            if (existing.CustomAttributes.TryGetValue(key.Name, out var type) || existing.SystemAttributes.TryGetValue(key.Name, out type))
            {
                if (type != key.ValueType)
                {
                    throw new InvalidOperationException($"Search attribute {key.Name} exists in namespace {ns} as {type}, not {key.ValueType}.");
                }
                continue;
            }
            request.SearchAttributes.Add(key.Name, key.ValueType);
        }
        if (request.SearchAttributes.Count == 0)
        {
            return [];
        }
        try
        {
            await client.Connection.OperatorService.AddSearchAttributesAsync(request, rpc);
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.AlreadyExists)
        {
            // Another process registered them meanwhile.
        }
        return [.. request.SearchAttributes.Keys];
    }

    [LoggerMessage(LogLevel.Information, "Search attributes in namespace {Namespace}: {Count} added ({Names})")]
    private partial void LogRegistered(string @namespace, int count, string names);
}
