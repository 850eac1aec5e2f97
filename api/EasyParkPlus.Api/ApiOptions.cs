using System.ComponentModel.DataAnnotations;

namespace EasyParkPlus.Api;

/// <summary>Bound from "Api".</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>
    /// Host the Temporal worker in the api process (the single-process deployment); the task queue is Temporal:TaskQueue.
    /// </summary>
    public bool RunWorker { get; set; } = true;

    /// <summary>Apply the data migrations at start-up.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>Seed the launch facilities, spaces, chargers and plans at start-up.</summary>
    public bool SeedOnStart { get; set; } = true;

    /// <summary>Largest accepted request body; bigger ones get 413.</summary>
    [Range(1024, 100 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// How long after a reservation's arrival deadline an entry that a gate buffered offline (device time before the
    /// deadline) still fulfils it; as long as a controller's offline buffer is trusted.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan ReservationLateEntryWindow { get; set; } = TimeSpan.FromHours(72);
}
