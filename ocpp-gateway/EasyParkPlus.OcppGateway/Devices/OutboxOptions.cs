using System.ComponentModel.DataAnnotations;

namespace EasyParkPlus.OcppGateway.Devices;

// The one outbox that hands stored gate events and charger transaction events to the device event sink (section "Outbox").
public sealed class OutboxOptions
{
    public const string SectionName = "Outbox";

    // How many keys (a vehicle at a facility, a charger transaction) are delivered at once; each key's events stay in order.
    [Range(1, 64)]
    public int Concurrency { get; set; } = 16;

    // Retry schedule after a failed delivery: doubles from the first delay up to the maximum. Only the failed event's key waits.
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    // Safety net for events another instance stored and could not deliver.
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    // How long an instance holds the events it claimed; if it stops meanwhile, another instance takes them after this.
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(1);
}
