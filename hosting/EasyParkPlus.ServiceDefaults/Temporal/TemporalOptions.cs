using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EasyParkPlus.ServiceDefaults.Temporal;

/// <summary>
/// Where the Temporal cluster is and how to reach it (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE,
/// TEMPORAL_TLS_CLIENT_CERT_PATH with TEMPORAL_TLS_CLIENT_KEY_PATH for mTLS, or TEMPORAL_API_KEY for Temporal Cloud).
/// </summary>
public sealed class TemporalOptions
{
    public const string Section = "Temporal";

    /// <summary>The frontend's host:port (our server's, a self-hosted cluster's, or Temporal Cloud's).</summary>
    [Required]
    public string Address { get; set; } = "";

    [Required]
    public string Namespace { get; set; } = "default";

    /// <summary>The queue the business workflows and activities run on; starters and the worker must agree.</summary>
    [Required]
    public string TaskQueue { get; set; } = "easypark";

    public string? ClientCertPath { get; set; }

    public string? ClientKeyPath { get; set; }

    /// <summary>A Temporal Cloud API key (a secret: from configuration only, never logged).</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Registers the custom search attributes through the OperatorService at start-up. Temporal Cloud registers them
    /// through its own control plane, so a deployment there turns this off.
    /// </summary>
    public bool RegisterSearchAttributes { get; set; } = true;
}

/// <summary>Checks what data annotations cannot: the address's shape and that TLS files come in pairs and exist.</summary>
public sealed class TemporalOptionsValidation : IValidateOptions<TemporalOptions>
{
    public ValidateOptionsResult Validate(string? name, TemporalOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Address) && !IsHostAndPort(options.Address))
        {
            failures.Add($"Temporal:Address (TEMPORAL_ADDRESS) must be host:port, not '{options.Address}'.");
        }
        if (string.IsNullOrEmpty(options.ClientCertPath) != string.IsNullOrEmpty(options.ClientKeyPath))
        {
            failures.Add("A TLS client certificate needs its key and the key its certificate (TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH).");
        }
        foreach (var path in new[] { options.ClientCertPath, options.ClientKeyPath })
        {
            if (!string.IsNullOrEmpty(path) && !File.Exists(path))
            {
                failures.Add($"The TLS file {path} does not exist.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHostAndPort(string address)
    {
        var colon = address.LastIndexOf(':');
        return colon > 0 && !address.Contains("://", StringComparison.Ordinal)
            && int.TryParse(address.AsSpan(colon + 1), out var port) && port is > 0 and <= 65535;
    }
}
