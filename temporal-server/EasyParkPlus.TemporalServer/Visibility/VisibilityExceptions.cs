namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>
/// Bad input to visibility: a list filter that does not parse or does not fit the namespace's search
/// attributes, or a search attribute value of the wrong shape. The frontend answers it with gRPC
/// <c>InvalidArgument</c> and this message; nothing has been read or changed when it is thrown.
/// </summary>
public abstract class VisibilityArgumentException(string message) : Exception(message);

/// <summary>A list filter (the <c>query</c> of List/Count/Scan) that is malformed or invalid.</summary>
public sealed class ListFilterException : VisibilityArgumentException
{
    public ListFilterException(string reason, int? position)
        : base(position is { } at ? $"invalid query: {reason} (at position {at})" : $"invalid query: {reason}")
    {
        Reason = reason;
        Position = position;
    }

    /// <summary>What was wrong, without the position.</summary>
    public string Reason { get; }

    /// <summary>1-based character position in the query where the problem starts, when there is one.</summary>
    public int? Position { get; }
}

/// <summary>A search attribute value (an upsert, a start request's attributes) that does not fit its type.</summary>
public sealed class SearchAttributeValueException(string attribute, string reason)
    : VisibilityArgumentException($"invalid value for search attribute '{attribute}': {reason}")
{
    public string Attribute { get; } = attribute;
}

/// <summary>A next-page token that this query did not hand out (another query's, or altered).</summary>
public sealed class VisibilityPageTokenException(string reason) : VisibilityArgumentException($"invalid next page token: {reason}");
