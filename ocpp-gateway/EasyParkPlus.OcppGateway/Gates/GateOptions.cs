using System.ComponentModel.DataAnnotations;

namespace EasyParkPlus.OcppGateway.Gates;

// Bound from "Gates". Defaults suit production; tests shorten nothing because they run on virtual time.
public sealed class GateOptions
{
    public const string SectionName = "Gates";

    // How long an open-barrier or show-message command waits for the controller's ack before the caller gets 504.
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    // A WebSocket message larger than this is discarded with a "messageTooLarge" error.
    [Range(256, 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 8 * 1024;

    // Body limit of POST /gates/{gateId}/events (a flushed offline buffer).
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBatchBytes { get; set; } = 512 * 1024;

    [Range(1, 10_000)]
    public int MaxBatchEvents { get; set; } = 1_000;

    // A device time further ahead of the event's arrival than this is not trusted: the event is stored, flagged
    // ("ahead"), timed from its arrival, and its stay's charge waits for an operator.
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan DeviceClockAheadTolerance { get; set; } = TimeSpan.FromMinutes(5);

    // How long a controller buffers events while offline: a device time older than its arrival by more than this
    // cannot be a replayed event's true time, so it is flagged ("stale") and treated like a clock ahead.
    [Range(typeof(TimeSpan), "00:10:00", "30.00:00:00")]
    public TimeSpan OfflineBufferHorizon { get; set; } = TimeSpan.FromHours(72);

    // Development seeding: one entry and one exit gate per launch facility, all with this password. No default
    // (`./easypark run` makes one per installation); without one of at least 12 characters no gate is seeded.
    public bool SeedDevelopmentGates { get; set; } = true;

    public string DevelopmentPassword { get; set; } = "";
}
