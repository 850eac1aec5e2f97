using EasyParkPlus.TemporalServer.History;
using EasyParkPlus.TemporalServer.Persistence;
using EasyParkPlus.TemporalServer.Visibility;
using Npgsql;
using NpgsqlTypes;
using static EasyParkPlus.TemporalServer.Tests.Persistence.StoreSamples;

namespace EasyParkPlus.TemporalServer.Tests.Persistence;

/// <summary>Lists and counts on the PostgreSQL store filter in SQL: a row the filter excludes is never read.</summary>
public sealed class PostgresVisibilityListTests(PostgresStoreDatabase database) : IClassFixture<PostgresStoreDatabase>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task ListExecutionsAsync_ManyRunsAndAFilter_ReadsOnlyTheMatchingRows()
    {
        var store = database.Store;
        var tag = $"t{Guid.NewGuid():N}";
        var runs = Enumerable.Range(0, 400).Select(i => (Key: new RunKey("default", $"{tag}-{(i % 100 == 0 ? "hit" : "miss")}-{i}", Guid.NewGuid().ToString()), Start: T0.AddSeconds(i))).ToList();
        await store.CommitAsync(new CommitBatch([.. runs.Select(r => Create(r.Key, start: r.Start))]), None);
        // A row whose stored record does not decode: reading it would fail the list, so a list that succeeds never read it.
        await InsertUndecodableRowAsync($"{tag}-miss-poisoned");

        var hits = await store.ListExecutionsAsync("default", VisibilityQuery.ForList($"WorkflowId STARTS_WITH '{tag}-hit'", SearchAttributeSchema.Empty), 100, null, None);
        var count = await store.CountExecutionsAsync("default", VisibilityQuery.ForCount($"WorkflowId STARTS_WITH '{tag}-hit'", SearchAttributeSchema.Empty), None);
        var all = async () => await store.ListExecutionsAsync("default", VisibilityQuery.ForList($"WorkflowId STARTS_WITH '{tag}'", SearchAttributeSchema.Empty), 1000, null, None);

        hits.Records.Select(r => r.Key).Should().Equal(runs.Where(r => r.Key.WorkflowId.Contains("-hit-", StringComparison.Ordinal)).OrderByDescending(r => r.Start).Select(r => r.Key));
        hits.NextPageToken.Should().BeNull();
        count.Count.Should().Be(4);
        await all.Should().ThrowAsync<Exception>("the unfiltered list reads the undecodable row");
    }

    private async Task InsertUndecodableRowAsync(string workflowId)
    {
        var indexed = new EasyParkPlus.TemporalServer.Visibility.VisibilityRecord
        {
            WorkflowId = workflowId,
            RunId = Guid.NewGuid().ToString(),
            WorkflowType = "Charge",
            TaskQueue = "q",
            Status = Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running,
            StartTime = T0,
            ExecutionTime = T0,
        };
        var columns = PostgresVisibilityTable.Columns;
        await using var command = database.Store.DataSource.CreateCommand(
            $"INSERT INTO temporal.visibility ({string.Join(", ", columns)}, record) VALUES ({string.Join(", ", columns.Select(c => "@" + c))}, @record)");
        foreach (var value in PostgresVisibilityTable.Parameters("default", indexed))
        {
            command.Parameters.Add(value.ToNpgsql());
        }
        command.Parameters.Add(new NpgsqlParameter("record", NpgsqlDbType.Bytea) { Value = "not a record"u8.ToArray() });
        (await command.ExecuteNonQueryAsync(None)).Should().Be(1);
    }
}
