namespace EasyParkPlus.TemporalServer.History;

/// <summary>Limits the server applies, with Temporal's defaults.</summary>
public static class ServerLimits
{
    /// <summary>Largest payload blob a request or command may carry (Temporal's BlobSizeLimitError).</summary>
    public const int BlobSizeLimit = 2 * 1024 * 1024;

    /// <summary>Largest memo a start or command may carry.</summary>
    public const int MemoSizeLimit = 2 * 1024 * 1024;

    /// <summary>History length at which workflow tasks suggest continue-as-new.</summary>
    public const long SuggestContinueAsNewEvents = 4 * 1024;

    /// <summary>Default workflow task timeout when the client gives none.</summary>
    public static readonly TimeSpan DefaultWorkflowTaskTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Longest workflow task timeout accepted.</summary>
    public static readonly TimeSpan MaxWorkflowTaskTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Most events in one page of history.</summary>
    public const int MaxHistoryPageSize = 1000;

    /// <summary>Longest an id (workflow, activity, timer, signal name, ...) may be.</summary>
    public const int MaxIdLength = 1000;
}
