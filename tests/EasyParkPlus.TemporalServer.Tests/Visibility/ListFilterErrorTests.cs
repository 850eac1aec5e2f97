using EasyParkPlus.TemporalServer.Visibility;
using static EasyParkPlus.TemporalServer.Tests.Visibility.VisibilityTestData;

namespace EasyParkPlus.TemporalServer.Tests.Visibility;

public class ListFilterErrorTests
{
    private static ListFilterException ListError(string query)
    {
        var act = () => VisibilityQuery.ForList(query, Schema);
        return act.Should().Throw<ListFilterException>().Which;
    }

    [Theory]
    [InlineData("WorkflowId = 'abc", "unterminated string", 14)]
    [InlineData("WorkflowId = \"abc\\", "unterminated string", 14)]
    [InlineData("`WorkflowId = 'a'", "unterminated backquoted name", 1)]
    [InlineData("WorkflowId = 'a' /* open", "unterminated comment", 18)]
    [InlineData("WorkflowId = 0x1F", "hexadecimal numbers are not supported", 14)]
    [InlineData("Attempts = 12abc", "malformed number '12a'", 12)]
    [InlineData("WorkflowId = 'a' AND", "expected a search attribute name but found the end of the query", 21)]
    [InlineData("(WorkflowId = 'a'", "expected ')' but found the end of the query", 18)]
    [InlineData("WorkflowId = 'a')", "expected 'AND', 'OR', 'GROUP BY', 'ORDER BY' or the end of the query but found ')'", 17)]
    [InlineData("WorkflowId 'a'", "expected an operator after 'WorkflowId' but found the string 'a'", 12)]
    [InlineData("WorkflowId = abc", "expected a value but found the name 'abc' (did you forget to quote it?)", 14)]
    [InlineData("WorkflowId = NULL", "compare with NULL through 'IS NULL' or 'IS NOT NULL'", 14)]
    [InlineData("WorkflowId IN ()", "expected a value (a quoted string, a number, true or false) but found ')'", 16)]
    [InlineData("WorkflowId IN 'a'", "expected '(' to open the list of values but found the string 'a'", 15)]
    [InlineData("WorkflowId BETWEEN 'a' OR 'b'", "expected 'AND' between the two bounds of 'BETWEEN' but found 'OR'", 24)]
    [InlineData("WorkflowId LIKE 'a%'", "operator 'LIKE' is not supported; use 'STARTS_WITH'", 12)]
    [InlineData("WorkflowId NOT LIKE 'a%'", "operator 'NOT LIKE' is not supported; use 'NOT STARTS_WITH'", 12)]
    [InlineData("WorkflowId <=> 'a'", "operator '<=>' is not supported", 12)]
    [InlineData("CloseTime IS TRUE", "'IS' can only be used as 'IS NULL' or 'IS NOT NULL'", 14)]
    [InlineData("WorkflowId = 'a' LIMIT 10", "'LIMIT' is not supported; use the page size", 18)]
    [InlineData("= 'a'", "expected a search attribute name but found '='", 1)]
    [InlineData("WorkflowId = 'a' ORDER BY StartTime GROUP BY ExecutionStatus", "'GROUP BY' must come before 'ORDER BY'", 37)]
    [InlineData("WorkflowId = -'a'", "expected a number after '-' but found the string 'a'", 15)]
    public void ForList_MalformedQuery_SaysWhatAndWhere(string query, string reason, int position)
    {
        var error = ListError(query);

        error.Reason.Should().Be(reason);
        error.Position.Should().Be(position);
        error.Message.Should().Be($"invalid query: {reason} (at position {position})");
    }

    [Theory]
    [InlineData("Customerid = 'a'", "'Customerid' is not a search attribute of this namespace (names are case-sensitive: did you mean 'CustomerId'?)", 1)]
    [InlineData("Nope = 'a'", "'Nope' is not a search attribute of this namespace", 1)]
    [InlineData("WorkflowId = 12", "invalid value 12 for Keyword search attribute 'WorkflowId': expected a quoted string", 14)]
    [InlineData("Attempts = '12'", "invalid value '12' for Int search attribute 'Attempts': expected a number", 12)]
    [InlineData("Vip = 'true'", "invalid value 'true' for Bool search attribute 'Vip': expected true or false", 7)]
    [InlineData("Vip = 1", "invalid value 1 for Bool search attribute 'Vip': expected true or false", 7)]
    [InlineData("StartTime > '2026-12-07'", "invalid value '2026-12-07' for Datetime search attribute 'StartTime': expected an RFC 3339 time such as '2026-12-07T10:00:00Z' or nanoseconds since the Unix epoch", 13)]
    [InlineData("StartTime > '2026-13-07T00:00:00Z'", "invalid value '2026-13-07T00:00:00Z' for Datetime search attribute 'StartTime': expected an RFC 3339 time such as '2026-12-07T10:00:00Z' or nanoseconds since the Unix epoch", 13)]
    [InlineData("ExecutionStatus = 'running'", "invalid value 'running' for Keyword search attribute 'ExecutionStatus': expected a status such as 'Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew' or 'TimedOut'", 19)]
    [InlineData("ExecutionStatus = 99", "invalid value 99 for Keyword search attribute 'ExecutionStatus': expected a status such as 'Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew' or 'TimedOut'", 19)]
    [InlineData("ExecutionDuration > '10 minutes'", "invalid value '10 minutes' for Int search attribute 'ExecutionDuration': expected nanoseconds or a duration such as '10m', '1.5h', '2d' or '01:30:00'", 21)]
    [InlineData("ExecutionDuration > '00:61:00'", "invalid value '00:61:00' for Int search attribute 'ExecutionDuration': expected nanoseconds or a duration such as '10m', '1.5h', '2d' or '01:30:00'", 21)]
    [InlineData("Notes = '--'", "the value for Text search attribute 'Notes' has no words to match", 9)]
    [InlineData("WorkflowId = 'a\\0b'", "a string value cannot contain a NUL character", 14)]
    [InlineData("Tags < 'a'", "operator '<' is not supported for KeywordList search attribute 'Tags'", 6)]
    [InlineData("Notes STARTS_WITH 'a'", "operator 'STARTS_WITH' is not supported for Text search attribute 'Notes'", 7)]
    [InlineData("Notes IN ('a')", "operator 'IN' is not supported for Text search attribute 'Notes'", 7)]
    [InlineData("Attempts STARTS_WITH '1'", "operator 'STARTS_WITH' is not supported for Int search attribute 'Attempts'", 10)]
    [InlineData("ExecutionStatus > 'Running'", "operator '>' is not supported for Keyword search attribute 'ExecutionStatus'", 17)]
    [InlineData("Vip < true", "operator '<' is not supported for Bool search attribute 'Vip'", 5)]
    [InlineData("Tags BETWEEN 'a' AND 'b'", "operator 'BETWEEN' is not supported for KeywordList search attribute 'Tags'", 6)]
    [InlineData("WorkflowId = 'a' ORDER BY Notes", "cannot order by Text search attribute 'Notes'", 27)]
    [InlineData("WorkflowId = 'a' ORDER BY Tags DESC", "cannot order by KeywordList search attribute 'Tags'", 27)]
    public void ForList_QueryThatDoesNotFitTheSchema_IsRefusedWithTheReason(string query, string reason, int position)
    {
        var error = ListError(query);

        error.Reason.Should().Be(reason);
        error.Position.Should().Be(position);
    }

    [Fact]
    public void ForList_GroupBy_IsOnlyForCounts() =>
        ListError("GROUP BY ExecutionStatus").Reason.Should().Be("'GROUP BY' is only supported when counting executions");

    [Theory]
    [InlineData("GROUP BY WorkflowType", "'GROUP BY' is only supported for ExecutionStatus, not 'WorkflowType'")]
    [InlineData("GROUP BY ExecutionStatus, WorkflowType", "'GROUP BY' supports only a single attribute")]
    [InlineData("GROUP BY ExecutionStatus ORDER BY StartTime", "'ORDER BY' cannot be combined with 'GROUP BY'")]
    public void ForCount_UnsupportedGrouping_IsRefused(string query, string reason)
    {
        var act = () => VisibilityQuery.ForCount(query, Schema);

        act.Should().Throw<ListFilterException>().Which.Reason.Should().Be(reason);
    }

    [Theory]
    [InlineData(101, "(", ")")]
    [InlineData(101, "NOT ", "")]
    public void ForList_NestingBeyondTheLimit_IsRefused(int depth, string open, string close)
    {
        var query = string.Concat(Enumerable.Repeat(open, depth)) + "WorkflowId = 'a'" + string.Concat(Enumerable.Repeat(close, depth));

        ListError(query).Reason.Should().Be("nesting deeper than 100 levels of parentheses or NOT");
    }

    [Fact]
    public void ForList_NestingAtTheLimit_Parses()
    {
        var query = new string('(', 100) + "WorkflowId = 'a'" + new string(')', 100);

        Render(VisibilityQuery.ForList(query, Schema).Filter).Should().Be("(= WorkflowId 'a')");
    }

    [Fact]
    public void ForList_MoreValuesThanTheLimit_IsRefused()
    {
        var query = "WorkflowId IN (" + string.Join(", ", Enumerable.Range(0, 1001).Select(i => $"'w{i}'")) + ")";

        ListError(query).Reason.Should().Be("more than 1000 values in one query");
    }
}
