using EasyParkPlus.TemporalServer.Visibility;
using static EasyParkPlus.TemporalServer.Tests.Visibility.VisibilityTestData;

namespace EasyParkPlus.TemporalServer.Tests.Visibility;

public class ListFilterParsingTests
{
    private static string Parse(string query) => Render(VisibilityQuery.ForList(query, Schema).Filter);

    [Theory]
    [InlineData("WorkflowId = 'a' OR WorkflowId = 'b' AND NOT WorkflowId = 'c'",
        "(OR (= WorkflowId 'a') (AND (= WorkflowId 'b') (NOT (= WorkflowId 'c'))))")]
    [InlineData("(WorkflowId = 'a' OR WorkflowId = 'b') AND WorkflowType = 'T'",
        "(AND (OR (= WorkflowId 'a') (= WorkflowId 'b')) (= WorkflowType 'T'))")]
    [InlineData("NOT WorkflowId = 'a' AND NOT (WorkflowType = 'T' OR TaskQueue = 'q')",
        "(AND (NOT (= WorkflowId 'a')) (NOT (OR (= WorkflowType 'T') (= TaskQueue 'q'))))")]
    [InlineData("NOT NOT WorkflowId = 'a'", "(NOT (NOT (= WorkflowId 'a')))")]
    [InlineData("WorkflowId = 'a' and WorkflowType = 'b' Or TaskQueue = 'c' && RunId = 'd' || RunId = 'e'",
        "(OR (AND (= WorkflowId 'a') (= WorkflowType 'b')) (AND (= TaskQueue 'c') (= RunId 'd')) (= RunId 'e'))")]
    public void ForList_AndOrNotAndParentheses_BindAsInSql(string query, string expected) =>
        Parse(query).Should().Be(expected);

    [Theory]
    [InlineData("WorkflowId != 'a'", "(NOT (= WorkflowId 'a'))")]
    [InlineData("WorkflowId <> 'a'", "(NOT (= WorkflowId 'a'))")]
    [InlineData("WorkflowId < 'a'", "(< WorkflowId 'a')")]
    [InlineData("WorkflowId <= 'a'", "(<= WorkflowId 'a')")]
    [InlineData("WorkflowId > 'a'", "(> WorkflowId 'a')")]
    [InlineData("WorkflowId >= 'a'", "(>= WorkflowId 'a')")]
    [InlineData("WorkflowId STARTS_WITH 'park-'", "(STARTS_WITH WorkflowId 'park-')")]
    [InlineData("WorkflowId not starts_with 'park-'", "(NOT (STARTS_WITH WorkflowId 'park-'))")]
    [InlineData("WorkflowId IN ('a', \"b\")", "(IN WorkflowId 'a' 'b')")]
    [InlineData("WorkflowId NOT IN ('a')", "(NOT (IN WorkflowId 'a'))")]
    [InlineData("WorkflowId BETWEEN 'a' AND 'c'", "(BETWEEN WorkflowId 'a' 'c')")]
    [InlineData("WorkflowId NOT BETWEEN 'a' AND 'c'", "(NOT (BETWEEN WorkflowId 'a' 'c'))")]
    [InlineData("CloseTime IS NULL", "(NULL CloseTime)")]
    [InlineData("CloseTime is not null", "(NOT (NULL CloseTime))")]
    public void ForList_EveryOperator_BindsToItsFilter(string query, string expected) =>
        Parse(query).Should().Be(expected);

    [Theory]
    [InlineData("WorkflowId = 'it''s'", "(= WorkflowId 'it's')")]
    [InlineData("WorkflowId = \"say \"\"hi\"\"\"", "(= WorkflowId 'say \"hi\"')")]
    [InlineData("WorkflowId = 'a\\'b\\\"c'", "(= WorkflowId 'a'b\"c')")]
    [InlineData("WorkflowId = 'tab\\there'", "(= WorkflowId 'tab\there')")]
    [InlineData("WorkflowId = 'back\\\\slash \\% \\_'", "(= WorkflowId 'back\\slash % _')")]
    [InlineData("WorkflowId = \"it's\"", "(= WorkflowId 'it's')")]
    [InlineData("WorkflowId = 'städte-😀'", "(= WorkflowId 'städte-😀')")]
    public void ForList_QuotedStrings_DecodeTheirEscapes(string query, string expected) =>
        Parse(query).Should().Be(expected);

    [Theory]
    [InlineData("`Space Name` = 'Level 2'", "(= Space Name 'Level 2')")]
    [InlineData("`ExecutionStatus`=\"Running\"", "(= ExecutionStatus Running)")]
    [InlineData("`CustomerId` is null AND `CustomerId` is not null", "(AND (NULL CustomerId) (NOT (NULL CustomerId)))")]
    [InlineData("`Tags`in(\"Hello\", \"World\") AND `Tags`=\"Hello\"", "(AND (IN Tags 'Hello' 'World') (= Tags 'Hello'))")]
    [InlineData("`Vip`=false AND `Score`>1.5 AND `Attempts`>=10", "(AND (= Vip false) (> Score 1.5d) (>= Attempts 10))")]
    [InlineData("`ExecutionDuration`>=\"30s\" AND `ExecutionDuration`>=30000000000", "(AND (>= ExecutionDuration 30000000000) (>= ExecutionDuration 30000000000))")]
    [InlineData("WorkflowType = \"cronWorkflow\" AND StartTime > \"2019-12-30T00:00:00.000Z\"",
        "(AND (= WorkflowType 'cronWorkflow') (> StartTime 2019-12-30T00:00:00.000000Z))")]
    public void ForList_FiltersTheWebUiWrites_Parse(string query, string expected) =>
        Parse(query).Should().Be(expected);

    [Theory]
    [InlineData("ExecutionStatus = 'Running'", "(= ExecutionStatus Running)")]
    [InlineData("ExecutionStatus = 'WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW'", "(= ExecutionStatus ContinuedAsNew)")]
    [InlineData("ExecutionStatus = 7", "(= ExecutionStatus TimedOut)")]
    [InlineData("ExecutionStatus IN ('Completed', 'Failed')", "(IN ExecutionStatus Completed Failed)")]
    [InlineData("StartTime > '2026-12-07T10:00:00.123456789-05:00'", "(> StartTime 2026-12-07T15:00:00.123456Z)")]
    [InlineData("StartTime BETWEEN \"2026-12-07T00:00:00Z\" AND \"2026-12-08T00:00:00+01:00\"",
        "(BETWEEN StartTime 2026-12-07T00:00:00.000000Z 2026-12-07T23:00:00.000000Z)")]
    [InlineData("DueAt < 1765101600000000000", "(< DueAt 2025-12-07T10:00:00.000000Z)")]
    [InlineData("ExecutionDuration > '1h'", "(> ExecutionDuration 3600000000000)")]
    [InlineData("ExecutionDuration > '1.5h'", "(> ExecutionDuration 5400000000000)")]
    [InlineData("ExecutionDuration < \"2h45m\"", "(< ExecutionDuration 9900000000000)")]
    [InlineData("ExecutionDuration < '1d'", "(< ExecutionDuration 86400000000000)")]
    [InlineData("ExecutionDuration < '300ms'", "(< ExecutionDuration 300000000)")]
    [InlineData("ExecutionDuration < '01:30:00'", "(< ExecutionDuration 5400000000000)")]
    [InlineData("Attempts = -3 OR Attempts = 1e3 OR Score < .5 OR Score > 99999999999999999999",
        "(OR (= Attempts -3) (= Attempts 1000d) (< Score 0.5d) (> Score 1E+20d))")]
    [InlineData("Notes = 'Gate-7 jammed'", "(= Notes text'Gate-7 jammed'[gate,7,jammed])")]
    [InlineData("TemporalWorkflowId = 'a' AND ChangeVersion = 'v1'", "(AND (= WorkflowId 'a') (= TemporalChangeVersion 'v1'))")]
    public void ForList_TypedValues_ConvertAsTemporalDoes(string query, string expected) =>
        Parse(query).Should().Be(expected);

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t ")]
    [InlineData("-- just a comment")]
    public void ForList_EmptyQuery_MatchesEverything(string query)
    {
        var bound = VisibilityQuery.ForList(query, Schema);

        bound.Filter.Should().BeNull();
        bound.OrderBy.Should().BeEmpty();
    }

    [Fact]
    public void ForList_Comments_AreSkipped() =>
        Parse("WorkflowId = 'a' /* the order */ AND # a note\n WorkflowType = 'T' -- trailing")
            .Should().Be("(AND (= WorkflowId 'a') (= WorkflowType 'T'))");

    [Fact]
    public void ForList_OrderBy_KeepsItsTermsAndDirections()
    {
        var bound = VisibilityQuery.ForList("WorkflowType = 'T' ORDER BY StartTime DESC, `CustomerId`, Attempts asc", Schema);

        bound.OrderBy.Select(term => (term.Attribute.Name, term.Descending))
            .Should().Equal(("StartTime", true), ("CustomerId", false), ("Attempts", false));
        Render(bound.Filter).Should().Be("(= WorkflowType 'T')");
    }

    [Fact]
    public void ForList_OnlyOrderBy_HasNoFilter()
    {
        var bound = VisibilityQuery.ForList("order by CloseTime", Schema);

        bound.Filter.Should().BeNull();
        bound.OrderBy.Should().ContainSingle().Which.Attribute.Name.Should().Be("CloseTime");
    }

    [Theory]
    [InlineData("GROUP BY ExecutionStatus", "ALL")]
    [InlineData("WorkflowType = 'T' group by ExecutionStatus", "(= WorkflowType 'T')")]
    public void ForCount_GroupByExecutionStatus_KeepsTheFilter(string query, string filter)
    {
        var bound = VisibilityQuery.ForCount(query, Schema);

        Render(bound.Filter).Should().Be(filter);
        bound.GroupBy.Should().ContainSingle().Which.Field.Should().Be(SystemField.ExecutionStatus);
    }

    [Fact]
    public void ForCount_OrderByWithoutGroupBy_IsIgnored() =>
        VisibilityQuery.ForCount("WorkflowId = 'a' ORDER BY StartTime", Schema).OrderBy.Should().BeEmpty();

    [Fact]
    public void ForList_LongAndChain_StaysFlat()
    {
        var query = string.Join(" AND ", Enumerable.Range(0, 900).Select(i => $"WorkflowId != 'w{i}'"));

        var bound = VisibilityQuery.ForList(query, Schema);

        bound.Filter.Should().BeOfType<AndFilter>().Which.Terms.Should().HaveCount(900);
    }
}
