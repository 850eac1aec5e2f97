using EasyParkPlus.TemporalConformance.Tests.Infrastructure;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.OperatorService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace EasyParkPlus.TemporalConformance.Tests;

/// <summary>
/// Search attributes: registered through the OperatorService, set at start and upserted by the workflow, then found by
/// ListWorkflowsAsync/CountWorkflowsAsync with Temporal's list-filter language. Every query is narrowed to one batch of
/// runs (a Keyword attribute) so tests sharing a server do not see each other's runs.
/// </summary>
[Collection(DevServerCollection.Name)]
public sealed class VisibilityTests(DevServerFixture fixture)
{
    private static readonly SearchAttributeKey<string> Batch = SearchAttributeKey.CreateKeyword("ConformanceBatch");
    private static readonly SearchAttributeKey<string> Customer = SearchAttributeKey.CreateKeyword("ConformanceCustomer");
    private static readonly SearchAttributeKey<long> Amount = SearchAttributeKey.CreateLong("ConformanceAmount");

    [Workflow]
    public sealed class PricedWorkflow
    {
        [WorkflowRun]
        public Task<long> RunAsync(long amount)
        {
            // Upserted by the workflow, not set at start: lists must see what the run wrote itself.
            Workflow.UpsertTypedSearchAttributes(Amount.ValueSet(amount));
            return Task.FromResult(amount);
        }
    }

    private async Task RegisterAsync()
    {
        var request = new AddSearchAttributesRequest { Namespace = fixture.Client.Options.Namespace };
        request.SearchAttributes[Batch.Name] = IndexedValueType.Keyword;
        request.SearchAttributes[Customer.Name] = IndexedValueType.Keyword;
        request.SearchAttributes[Amount.Name] = IndexedValueType.Int;
        await fixture.Client.Connection.OperatorService.AddSearchAttributesAsync(request);
    }

    /// <summary>Runs alice/10, bob/20, carol/30, alice-2/40 to completion, in this start order, in a batch of their own.</summary>
    private async Task<(string Batch, IReadOnlyList<string> Ids)> StartBatchAsync(WorkerContext w)
    {
        await RegisterAsync();
        var batch = Guid.NewGuid().ToString("N");
        var ids = new List<string>();
        foreach (var (customer, amount) in new[] { ("alice", 10L), ("bob", 20L), ("carol", 30L), ("alice-2", 40L) })
        {
            var options = w.Options($"{customer}-{batch}");
            options.TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(Batch, batch).Set(Customer, customer).ToSearchAttributeCollection();
            var handle = await w.Client.StartWorkflowAsync((PricedWorkflow wf) => wf.RunAsync(amount), options);
            await handle.GetResultAsync();
            ids.Add(handle.Id);
        }
        return (batch, ids);
    }

    private static async Task<List<string>> ListAsync(ITemporalClient client, string query)
    {
        var ids = new List<string>();
        await foreach (var execution in client.ListWorkflowsAsync(query))
        {
            ids.Add(execution.Id);
        }
        return ids;
    }

    private Task RunAsync(Func<WorkerContext, Task> body) => fixture.RunAsync(o => o.AddWorkflow<PricedWorkflow>(), body);

    /// <summary>Filters over the batch, and which of its runs (by start order) each must find.</summary>
    private static readonly (string Filter, int[] Expected)[] Filters =
    [
        ("ConformanceCustomer = 'alice'", [0]),
        ("ConformanceCustomer != 'alice'", [1, 2, 3]),
        ("ConformanceAmount < 20", [0]),
        ("ConformanceAmount > 20", [2, 3]),
        ("ConformanceAmount BETWEEN 20 AND 30", [1, 2]),
        ("ConformanceCustomer IN ('bob', 'carol')", [1, 2]),
        ("ConformanceCustomer STARTS_WITH 'alice'", [0, 3]),
        ("ConformanceCustomer = 'bob' OR ConformanceAmount > 30", [1, 3]),
        ("(ConformanceCustomer = 'alice' OR ConformanceCustomer = 'carol') AND ConformanceAmount >= 30", [2]),
        ("ConformanceCustomer STARTS_WITH 'alice' AND (ConformanceAmount < 20 OR ConformanceAmount > 30)", [0, 3]),
    ];

    [Fact]
    public async Task ListAndCountWorkflowsAsync_UpsertedAttributes_FoundByEachFilter()
    {
        await RunAsync(async w =>
        {
            var (batch, ids) = await StartBatchAsync(w);
            // Temporal's visibility is eventually consistent (ours is not): wait until the upserts are visible.
            await Eventually.ValueAsync(async () => (await w.Client.CountWorkflowsAsync($"ConformanceBatch = '{batch}' AND ConformanceAmount > 0")).Count, c => c == 4);

            foreach (var (filter, expected) in Filters)
            {
                var query = $"ConformanceBatch = '{batch}' AND ({filter})";
                (await w.Client.CountWorkflowsAsync(query)).Count.Should().Be(expected.Length, filter);
                (await ListAsync(w.Client, query)).Should().BeEquivalentTo(expected.Select(i => ids[i]), filter);
            }
        });
    }

    [Fact]
    public async Task ListWorkflowsAsync_OrderByStartTime_InStartOrderEitherWay()
    {
        await RunAsync(async w =>
        {
            var (batch, ids) = await StartBatchAsync(w);
            await Eventually.ValueAsync(async () => (await w.Client.CountWorkflowsAsync($"ConformanceBatch = '{batch}' AND ConformanceAmount > 0")).Count, c => c == 4);

            (await ListAsync(w.Client, $"ConformanceBatch = '{batch}' ORDER BY StartTime")).Should().Equal(ids);
            (await ListAsync(w.Client, $"ConformanceBatch = '{batch}' ORDER BY StartTime DESC")).Should().Equal(Enumerable.Reverse(ids));
            var byStatus = await w.Client.CountWorkflowsAsync($"ConformanceBatch = '{batch}' GROUP BY ExecutionStatus");
            byStatus.Count.Should().Be(4);
            byStatus.Groups.Should().ContainSingle().Which.Count.Should().Be(4);
        });
    }

    [Fact]
    public async Task ListWorkflowsAsync_MalformedOrUnknownFilter_InvalidArgument()
    {
        await RegisterAsync();
        foreach (var query in new[] { "ConformanceCustomer LIKE 'a%'", "ConformanceCustomer = ", "NoSuchAttribute = 'x'", "ConformanceAmount = 'not a number'" })
        {
            var list = () => ListAsync(fixture.Client, query);
            (await list.Should().ThrowAsync<RpcException>()).Which.Code.Should().Be(RpcException.StatusCode.InvalidArgument, query);
            var count = () => fixture.Client.CountWorkflowsAsync(query);
            (await count.Should().ThrowAsync<RpcException>()).Which.Code.Should().Be(RpcException.StatusCode.InvalidArgument, query);
        }
    }

    [Fact]
    public async Task ListSearchAttributes_AfterAdd_ShowsTheTypedAttributes()
    {
        await RegisterAsync();

        var listed = await fixture.Client.Connection.OperatorService.ListSearchAttributesAsync(new() { Namespace = fixture.Client.Options.Namespace });

        listed.CustomAttributes.Should().Contain(Amount.Name, IndexedValueType.Int).And.Contain(Customer.Name, IndexedValueType.Keyword);
        listed.SystemAttributes.Should().ContainKey("WorkflowId").And.ContainKey("StartTime");
    }
}
