using EasyParkPlus.TemporalServer.Visibility;
using FsCheck;
using FsCheck.Fluent;
using Temporalio.Api.Enums.V1;
using static EasyParkPlus.TemporalServer.Tests.Visibility.VisibilityTestData;

namespace EasyParkPlus.TemporalServer.Tests.Visibility;

public class PostgresVisibilityTests(VisibilityDatabase database) : IClassFixture<VisibilityDatabase>
{
    private static readonly VisibilityRecord[] Examples =
    [
        Record("park-1", "r1", WorkflowExecutionStatus.Running, T0, null, "ParkingSession",
            ("CustomerId", new KeywordValue("c-1")), ("Tags", new KeywordListValue(["ev", "vip"])),
            ("Notes", new TextValue("my-business-id-foobar")), ("Attempts", new IntValue(3))),
        Record("park-2", "r2", WorkflowExecutionStatus.Completed, T0.AddMinutes(1), T0.AddHours(2), "ParkingSession",
            ("CustomerId", new KeywordValue("c-2")), ("Tags", new KeywordListValue(["ev"])),
            ("Score", new DoubleValue(2.5)), ("Attempts", new IntValue(10))),
        Record("charge-1", "r3", WorkflowExecutionStatus.Failed, T0.AddMinutes(2), T0.AddMinutes(12), "ChargingSession",
            ("Vip", new BoolValue(true)), ("DueAt", new DatetimeValue(T0.AddDays(1)))),
        Record("charge-2", "r4", WorkflowExecutionStatus.Running, T0.AddMinutes(3), null, "ChargingSession"),
    ];

    private string Namespace(IEnumerable<VisibilityRecord> records)
    {
        var namespaceId = Guid.NewGuid().ToString("N");
        database.Insert(namespaceId, records);
        return namespaceId;
    }

    [Fact]
    public void Read_RowWrittenFromARecord_GivesTheRecordBack()
    {
        var record = new VisibilityRecord
        {
            WorkflowId = "charge-ü-1",
            RunId = "run-1",
            WorkflowType = "ChargingSession",
            TaskQueue = "easypark",
            Status = WorkflowExecutionStatus.Completed,
            StartTime = T0,
            ExecutionTime = T0.AddSeconds(1),
            CloseTime = T0.AddMinutes(5).AddTicks(1234567),
            HistoryLength = 42,
            HistorySizeBytes = 4096,
            StateTransitionCount = 17,
            ParentWorkflowId = "park-1",
            ParentRunId = "run-0",
            RootWorkflowId = "park-1",
            RootRunId = "run-0",
            SearchAttributes = new Dictionary<string, SearchAttributeValue>
            {
                ["CustomerId"] = new KeywordValue("c-\"1\"'"),
                ["Tags"] = new KeywordListValue(["ev", "vip", "😀"]),
                ["Notes"] = new TextValue("Gate 7 jammed"),
                ["Attempts"] = new IntValue(long.MinValue),
                ["Score"] = new DoubleValue(0.1 + 0.2),
                ["Vip"] = new BoolValue(false),
                ["DueAt"] = new DatetimeValue(new DateTimeOffset(2026, 12, 24, 18, 30, 0, TimeSpan.FromHours(-5)).AddTicks(9)),
            },
        };
        var namespaceId = Namespace([record]);

        var read = database.List(namespaceId, VisibilityQuery.All, 10).Records.Should().ContainSingle().Subject;

        read.Should().BeEquivalentTo(record with { CloseTime = VisibilityTime.Truncate(record.CloseTime.Value) });
        read.CloseTime.Should().Be(T0.AddMinutes(5).AddTicks(1234560), "times are kept to the microsecond");
        read.ExecutionDurationNanoseconds.Should().Be(record.ExecutionDurationNanoseconds);
        ((DoubleValue)read.SearchAttributes["Score"]).Value.Should().Be(0.1 + 0.2);
    }

    [Fact]
    public void ListStatement_KeywordOrder_FollowsCodePointsThoughTheDatabaseSortsLinguistically()
    {
        var namespaceId = Namespace(new[] { "b", "B", "a", "\u00e9", "e\u0301", "A" }.Select((id, i) => Record(id, $"r{i}")));

        // The test database sorts text by ICU en-US ('a' before 'B'), so this passes only because every
        // comparison visibility writes names the "C" collation.
        database.Scalar("SELECT CASE WHEN 'a' < 'B' THEN 1 ELSE 0 END").Should().Be(1);
        database.List(namespaceId, VisibilityQuery.ForList("ORDER BY WorkflowId", Schema), 10).Records.Select(record => record.WorkflowId)
            .Should().Equal("A", "B", "a", "b", "e\u0301", "\u00e9");
    }

    [Fact]
    public void Upsert_SameRunAgain_ReplacesItsRow()
    {
        var open = Examples[0];
        var namespaceId = Namespace([open]);
        var closed = open with { Status = WorkflowExecutionStatus.Completed, CloseTime = T0.AddHours(1), SearchAttributes = new Dictionary<string, SearchAttributeValue>() };

        database.Insert(namespaceId, [closed]);

        var rows = database.List(namespaceId, VisibilityQuery.ForList("ExecutionStatus = 'Completed' AND CustomerId IS NULL", Schema), 10).Records;
        rows.Should().ContainSingle().Which.CloseTime.Should().Be(T0.AddHours(1));
    }

    [Theory]
    [InlineData("Tags = 'ev'")]
    [InlineData("Tags != 'vip'")]
    [InlineData("Notes = 'foobar'")]
    [InlineData("Notes != 'foo'")]
    [InlineData("CustomerId NOT IN ('c-1', 'c-2')")]
    [InlineData("NOT CustomerId < 'c-2'")]
    [InlineData("Attempts NOT BETWEEN 4 AND 20")]
    [InlineData("WorkflowId STARTS_WITH 'park-' OR ExecutionDuration BETWEEN '5m' AND '10m'")]
    [InlineData("CloseTime IS NULL ORDER BY Attempts DESC")]
    [InlineData("Vip = true OR DueAt > '2026-12-08T00:00:00Z' ORDER BY WorkflowType, CloseTime")]
    [InlineData("ORDER BY Score DESC, StartTime")]
    public void ListStatement_DocumentedExamples_ReturnWhatTheEvaluatorReturns(string query)
    {
        var namespaceId = Namespace(Examples);
        var bound = VisibilityQuery.ForList(query, Schema);

        var rows = database.ListAll(namespaceId, bound);

        rows.Should().Equal(Examples.Where(bound.Matches).Order(bound.Ordering).Select(record => record.RunId));
        rows.Should().NotBeEmpty();
    }

    [Fact]
    public void CountStatement_GroupByExecutionStatus_CountsEachStatus()
    {
        var namespaceId = Namespace(Examples);

        var count = database.Count(namespaceId, VisibilityQuery.ForCount("GROUP BY ExecutionStatus", Schema));

        count.Count.Should().Be(4);
        count.Groups.Select(group => (((KeywordValue)group.Values.Single()).Value, group.Count))
            .Should().Equal(("Running", 2L), ("Completed", 1L), ("Failed", 1L));
    }

    [Theory]
    [InlineData("WorkflowId = 'x''); DROP TABLE visibility; --'")]
    [InlineData("CustomerId = 'x\"}' OR CustomerId IN ('\\'') -- ')")]
    [InlineData("`Robert'); DROP TABLE visibility;--` = 'a'")]
    public void ListStatement_ValuesThatLookLikeSql_AreComparedAsValues(string query)
    {
        var schema = new SearchAttributeSchema(new Dictionary<string, IndexedValueType>(Schema.CustomAttributes)
        {
            ["Robert'); DROP TABLE visibility;--"] = IndexedValueType.Keyword,
        });
        var namespaceId = Namespace(Examples);

        database.ListAll(namespaceId, VisibilityQuery.ForList(query, schema)).Should().BeEmpty();
        database.Scalar("SELECT count(*) FROM visibility").Should().BeGreaterThanOrEqualTo(Examples.Length);
    }

    [Fact]
    public void ListStatement_TokenOfAnotherOrder_IsRefused()
    {
        var namespaceId = Namespace(Examples);
        var byStart = VisibilityQuery.ForList("ORDER BY StartTime", Schema);
        var token = database.List(namespaceId, byStart, 2).NextPageToken;

        var sql = () => database.List(namespaceId, VisibilityQuery.All, 2, token);
        var memory = () => VisibilityPaging.List(VisibilityQuery.All, Examples, 2, token);

        token.Should().NotBeNull();
        sql.Should().Throw<VisibilityPageTokenException>().WithMessage("invalid next page token: it belongs to a query with another order");
        memory.Should().Throw<VisibilityPageTokenException>();
    }

    // The strongest check of the translation: random executions, random filters and orders, the same
    // answers (rows, order, pages, tokens and counts) from memory and from PostgreSQL.
    [Fact]
    public void ListCountAndPages_RandomExecutionsAndFilters_AgreeBetweenMemoryAndPostgres()
    {
        var discriminating = 0;
        var total = 0;
        var cases =
            from records in VisibilityGenerators.Records(60)
            from queries in Gen.ListOf(Gen.Zip(VisibilityGenerators.Filter, VisibilityGenerators.OrderBy), 25)
            from pageSize in Gen.Choose(3, 9)
            select (Records: records, Queries: queries, PageSize: pageSize);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(12), Prop.ForAll(cases.ToArbitrary(), test =>
        {
            var namespaceId = Namespace(test.Records);
            for (var i = 0; i < test.Queries.Count; i++)
            {
                var (filter, orderBy) = test.Queries[i];
                var list = VisibilityQuery.ForList(filter + orderBy, Schema);
                var expected = test.Records.Where(list.Matches).Order(list.Ordering).Select(record => record.RunId).ToList();
                database.ListAll(namespaceId, list).Should().Equal(expected, "memory and SQL list [{0}] alike", filter + orderBy);
                if (i % 5 == 0)
                {
                    SamePages(namespaceId, list, test.Records, test.PageSize).Should().Equal(expected);
                }
                var count = VisibilityQuery.ForCount(filter, Schema);
                database.Count(namespaceId, count).Should().BeEquivalentTo(VisibilityEvaluator.Count(count, test.Records), "[{0}]", filter);
                var grouped = VisibilityQuery.ForCount(filter + " GROUP BY ExecutionStatus", Schema);
                database.Count(namespaceId, grouped).Should().BeEquivalentTo(
                    VisibilityEvaluator.Count(grouped, test.Records), options => options.WithStrictOrdering(), "[{0}]", filter);
                total++;
                discriminating += expected.Count > 0 && expected.Count < test.Records.Count ? 1 : 0;
            }
        }));

        discriminating.Should().BeGreaterThan(total / 3, "most random filters should select some executions but not all");
    }

    private List<string> SamePages(string namespaceId, VisibilityQuery query, List<VisibilityRecord> records, int pageSize)
    {
        var runIds = new List<string>();
        byte[]? token = null;
        do
        {
            var memory = VisibilityPaging.List(query, records, pageSize, token);
            var sql = database.List(namespaceId, query, pageSize, token);
            sql.Records.Select(record => record.RunId).Should().Equal(memory.Records.Select(record => record.RunId));
            Convert.ToBase64String(sql.NextPageToken ?? []).Should().Be(Convert.ToBase64String(memory.NextPageToken ?? []));
            runIds.AddRange(memory.Records.Select(record => record.RunId));
            token = memory.NextPageToken;
        }
        while (token is not null);
        return runIds;
    }
}
