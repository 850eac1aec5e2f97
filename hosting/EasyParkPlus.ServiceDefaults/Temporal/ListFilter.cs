using System.Globalization;
using System.Text;
using Temporalio.Common;

namespace EasyParkPlus.ServiceDefaults.Temporal;

/// <summary>
/// Builds a query in Temporal's list-filter language (ANDed conditions, values quoted and escaped as MySQL strings), so
/// no caller's text ever becomes part of the query's syntax.
/// </summary>
public sealed class ListFilter
{
    private readonly List<string> _conditions = [];

    public ListFilter Type(string? workflowType) => Add("WorkflowType", "=", workflowType);

    public ListFilter Running() => Add("ExecutionStatus", "=", "Running");

    public ListFilter Status(string? status) => Add("ExecutionStatus", "=", status);

    public ListFilter Equal(SearchAttributeKey<string> key, string? value) => Add(key.Name, "=", value);

    public ListFilter StartedFrom(DateTimeOffset? from) => Add("StartTime", ">=", from?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));

    public ListFilter StartedTo(DateTimeOffset? to) => Add("StartTime", "<=", to?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));

    /// <summary>
    /// The conditions ANDed (empty lists everything). No ORDER BY: Temporal's default order (running first, then newest)
    /// is what the api shows, and SQL-backed clusters refuse custom orders.
    /// </summary>
    public override string ToString() => string.Join(" AND ", _conditions);

    private ListFilter Add(string field, string op, string? value)
    {
        if (value is not null)
        {
            _conditions.Add($"{field} {op} {Quote(value)}");
        }
        return this;
    }

    private static string Quote(string value)
    {
        var quoted = new StringBuilder("'", value.Length + 2);
        foreach (var c in value)
        {
            quoted.Append(c switch
            {
                '\'' => "\\'",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                _ => c.ToString(),
            });
        }
        return quoted.Append('\'').ToString();
    }
}
