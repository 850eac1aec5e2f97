using EasyParkPlus.TemporalServer.Visibility;
using Temporalio.Api.Enums.V1;
using static EasyParkPlus.TemporalServer.Tests.Visibility.VisibilityTestData;

namespace EasyParkPlus.TemporalServer.Tests.Visibility;

public class VisibilityEvaluatorTests
{
    private static readonly VisibilityRecord[] Records =
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

    private static string[] Matching(string query)
    {
        var bound = VisibilityQuery.ForList(query, Schema);
        return Records.Where(bound.Matches).Order(bound.Ordering).Select(record => record.RunId).ToArray();
    }

    [Theory]
    [InlineData("Tags = 'ev'", new[] { "r1", "r2" })]
    [InlineData("Tags = 'vip'", new[] { "r1" })]
    [InlineData("Tags IN ('vip', 'none')", new[] { "r1" })]
    [InlineData("Tags != 'vip'", new[] { "r4", "r2", "r3" })]
    [InlineData("Tags IS NULL", new[] { "r4", "r3" })]
    public void Matches_KeywordList_EqualMeansContains(string query, string[] expected) =>
        Matching(query).Should().Equal(expected);

    [Theory]
    [InlineData("Notes = 'foobar'", new[] { "r1" })]
    [InlineData("Notes = 'FOOBAR'", new[] { "r1" })]
    [InlineData("Notes = 'foo'", new string[0])]
    [InlineData("Notes = 'other business'", new[] { "r1" })]
    [InlineData("Notes != 'foobar'", new[] { "r4", "r2", "r3" })]
    public void Matches_Text_MatchesWholeWords(string query, string[] expected) =>
        Matching(query).Should().Equal(expected);

    [Theory]
    [InlineData("CustomerId != 'c-1'", new[] { "r4", "r2", "r3" })]
    [InlineData("NOT CustomerId = 'c-1'", new[] { "r4", "r2", "r3" })]
    [InlineData("CustomerId NOT IN ('c-1', 'c-2')", new[] { "r4", "r3" })]
    [InlineData("CustomerId < 'c-2'", new[] { "r1" })]
    [InlineData("NOT CustomerId < 'c-2'", new[] { "r4", "r2", "r3" })]
    [InlineData("Attempts NOT BETWEEN 4 AND 20", new[] { "r4", "r1", "r3" })]
    [InlineData("CustomerId IS NOT NULL", new[] { "r1", "r2" })]
    public void Matches_MissingAttribute_FailsComparisonsAndPassesTheirNegations(string query, string[] expected) =>
        Matching(query).Should().Equal(expected);

    [Theory]
    [InlineData("WorkflowId STARTS_WITH 'park-'", new[] { "r1", "r2" })]
    [InlineData("WorkflowId NOT STARTS_WITH 'park-'", new[] { "r4", "r3" })]
    [InlineData("WorkflowType = 'ChargingSession' AND ExecutionStatus = 'Running'", new[] { "r4" })]
    [InlineData("ExecutionStatus != 'Running'", new[] { "r2", "r3" })]
    [InlineData("CloseTime IS NULL", new[] { "r4", "r1" })]
    [InlineData("ExecutionDuration > '1h'", new[] { "r2" })]
    [InlineData("ExecutionDuration BETWEEN '5m' AND '10m'", new[] { "r3" })]
    [InlineData("ExecutionDuration <= 600000000000", new[] { "r3" })]
    [InlineData("StartTime >= '2026-12-07T05:01:00-05:00'", new[] { "r4", "r2", "r3" })]
    [InlineData("CloseTime < \"2026-12-07T11:00:00Z\"", new[] { "r3" })]
    [InlineData("Attempts > 2.5 AND Score = 2.5", new[] { "r2" })]
    [InlineData("Vip = true OR DueAt > '2026-12-08T00:00:00Z'", new[] { "r3" })]
    public void Matches_SystemAndTypedAttributes_FilterAsTemporalDocuments(string query, string[] expected) =>
        Matching(query).Should().Equal(expected);

    [Fact]
    public void Ordering_Default_PutsOpenRunsFirstThenLatestClose() =>
        Matching("").Should().Equal("r4", "r1", "r2", "r3");

    [Theory]
    [InlineData("ORDER BY StartTime", new[] { "r1", "r2", "r3", "r4" })]
    [InlineData("ORDER BY StartTime DESC", new[] { "r4", "r3", "r2", "r1" })]
    [InlineData("ORDER BY Attempts DESC", new[] { "r2", "r1", "r4", "r3" })]
    [InlineData("ORDER BY Attempts", new[] { "r1", "r2", "r4", "r3" })]
    [InlineData("ORDER BY WorkflowType, CloseTime", new[] { "r3", "r4", "r2", "r1" })]
    public void Ordering_OrderBy_SortsByItsTermsWithMissingValuesLast(string query, string[] expected) =>
        Matching(query).Should().Equal(expected);

    [Fact]
    public void Count_GroupByExecutionStatus_CountsEachStatus()
    {
        var count = VisibilityEvaluator.Count(VisibilityQuery.ForCount("WorkflowType != 'Nothing' GROUP BY ExecutionStatus", Schema), Records);

        count.Count.Should().Be(4);
        count.Groups.Select(group => (((KeywordValue)group.Values.Single()).Value, group.Count))
            .Should().Equal(("Running", 2L), ("Completed", 1L), ("Failed", 1L));
    }

    [Fact]
    public void Count_WithoutGroupBy_CountsTheMatches()
    {
        var count = VisibilityEvaluator.Count(VisibilityQuery.ForCount("Tags = 'ev'", Schema), Records);

        count.Should().Be(new VisibilityCount(2, []));
    }

    [Fact]
    public void Matches_ValueOfAnotherTypeThanTheSchema_CountsAsMissing()
    {
        var stale = Record("old", "r9", attributes: ("Attempts", new KeywordValue("3")));

        VisibilityQuery.ForList("Attempts = 3", Schema).Matches(stale).Should().BeFalse();
        VisibilityQuery.ForList("Attempts IS NULL", Schema).Matches(stale).Should().BeTrue();
    }

    [Theory]
    [InlineData("Score > 9007199254740992", 9007199254740993.0, false)]
    [InlineData("Score = 0.1", 0.1, true)]
    [InlineData("Score = 0.10000000000000001", 0.1, true)]
    [InlineData("Score < 1", 0.99999999999999989, true)]
    [InlineData("Score > 1e-300", 1e-299, true)]
    [InlineData("Score < -1e300", -1e301, true)]
    public void Matches_Numbers_CompareExactly(string query, double score, bool expected) =>
        VisibilityQuery.ForList(query, Schema).Matches(Record("n", "rn", attributes: ("Score", new DoubleValue(score))))
            .Should().Be(expected);

    [Fact]
    public void Ordering_Strings_FollowCodePointsLikeTheCCollation()
    {
        // U+FF21 (fullwidth A) sorts before U+1F600 by code point, though its UTF-16 unit is higher.
        string[] values = ["\U0001F600", "\uFF21", "b", "B", "ab", "a"];

        values.Order(CodePointComparer.Instance).Should().Equal("B", "a", "ab", "b", "\uFF21", "\U0001F600");
    }
}
