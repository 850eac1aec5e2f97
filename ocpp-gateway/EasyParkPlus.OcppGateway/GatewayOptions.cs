using System.ComponentModel.DataAnnotations;

namespace EasyParkPlus.OcppGateway;

// Bound from "Gateway": what the charger and gate sides share. Validated on start so a missing key stops the
// process instead of leaving the internal API open. Charger protocol settings are in OcppOptions ("Ocpp").
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    // Shared secret of the internal command API (header X-EasyPark-Internal-Key); env EASYPARK_GATEWAY_INTERNAL_KEY.
    [Required]
    [MinLength(16)]
    public string InternalApiKey { get; set; } = "";

    // This gateway's base URL as the other processes see it (env EASYPARK_GATEWAY_URL); used by GatewayClient.
    public string? BaseUrl { get; set; }

    // Several instances: this instance's name in gateway.device_owners (default: host, process and a random
    // suffix; env EASYPARK_GATEWAY_INSTANCE_ID) and the URL the other instances forward station commands to
    // (default: the address the internal command API listens on; env EASYPARK_GATEWAY_INTERNAL_URL).
    [MaxLength(64)]
    public string? InstanceId { get; set; }

    [Url]
    public string? InternalUrl { get; set; }

    // How long a device ownership claim counts without being renewed: an instance renews its claims three times per
    // lease, so a claim older than this was left by an instance that died, and its devices count as offline.
    [Range(typeof(TimeSpan), "00:00:03", "01:00:00")]
    public TimeSpan OwnershipLease { get; set; } = TimeSpan.FromSeconds(90);

    // The socket of the internal command API, apart from the devices' public one (env EASYPARK_GATEWAY_INTERNAL_LISTEN).
    // Loopback by default; a deployment where the api runs elsewhere binds it to a network the devices cannot reach.
    public const string DefaultInternalListenUrl = "http://127.0.0.1:5091";

    [Url]
    public string InternalListenUrl { get; set; } = DefaultInternalListenUrl;
}
