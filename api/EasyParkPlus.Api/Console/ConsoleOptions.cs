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
}
