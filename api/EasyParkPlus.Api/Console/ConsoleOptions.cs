using System.ComponentModel.DataAnnotations;

namespace EasyParkPlus.Api.Console;

/// <summary>Settings of the operator console (section "Console").</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>The charging power a facility may draw in total; the gateway enforces it, the console draws against it.</summary>
    [Range(1, 100_000_000)]
    public long FacilityPowerBudgetW { get; set; } = 400_000;

    /// <summary>How often the dashboard page asks for fresh figures.</summary>
    [Range(1, 300)]
    public int RefreshSeconds { get; set; } = 5;

    /// <summary>At most this many running workflows are counted per dashboard refresh.</summary>
    [Range(1, 1000)]
    public int MaxRunningWorkflowsCounted { get; set; } = 1000;

    /// <summary>
    /// The Temporal Web UI each workflow links to, e.g. http://127.0.0.1:8233 (our server's UI port) or a real cluster's
    /// UI; unset, the console shows no such links.
    /// </summary>
    [Url]
    public string? TemporalUiUrl { get; set; }

    /// <summary>The Temporal namespace the workflows run in, for those links.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._-]{1,255}$")]
    public string TemporalNamespace { get; set; } = "default";
}
