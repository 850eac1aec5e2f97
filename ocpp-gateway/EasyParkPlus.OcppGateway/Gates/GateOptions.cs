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

    // Events whose device time is further ahead of the gateway's clock are refused (a broken RTC
    // would otherwise bill a session that "ends" years from now).
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromHours(24);

    // Outbox retry schedule towards the device event sink: doubles from the first delay up to the maximum.
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    // Safety net for events persisted by another instance that stopped before delivering them.
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DeliveryPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    // Development seeding: one entry and one exit gate per launch facility, all with this password.
    public bool SeedDevelopmentGates { get; set; } = true;

    [MinLength(8)]
    public string DevelopmentPassword { get; set; } = "EasyPark-gate-dev-2026!";
}
