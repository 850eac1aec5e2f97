namespace EasyParkPlus.TemporalServer.Http;

/// <summary>Where and how the Temporal Web UI and its HTTP API are served (<c>server start-dev --ui-port</c>).</summary>
public sealed class WebUiOptions
{
    /// <summary>Temporal's CLI serves the UI on 8233 unless told otherwise (or <c>--headless</c>).</summary>
    public const int DefaultPort = 8233;

    /// <summary>The address the UI port listens on (the CLI's <c>--ip</c>, or <c>--ui-ip</c>).</summary>
    public string Ip { get; set; } = "127.0.0.1";

    /// <summary>The UI port (0: any free one). The UI and /api/v1 answer there only, never on the gRPC port.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>
    /// The folder of the built UI (index.html and _app/), written by <c>./easypark ui_build</c> to temporal-server/ui/build.
    /// Unset: <c>EASYPARK_TEMPORAL_UI</c> names it, else it is looked for above the server's own binaries (where it is
    /// in a checkout).
    /// </summary>
    public string? AssetsPath { get; set; } = Environment.GetEnvironmentVariable("EASYPARK_TEMPORAL_UI") is { Length: > 0 } configured ? configured : null;

    /// <summary>The namespace the UI opens first.</summary>
    public string DefaultNamespace { get; set; } = "default";

    /// <summary>Read-only UI: no signal, cancel, terminate or update (queries stay allowed).</summary>
    public bool DisableWriteActions { get; set; }

    /// <summary>The built UI's folder: <see cref="AssetsPath"/>, else temporal-server/ui/build found above the binaries.</summary>
    public string? ResolveAssets()
    {
        if (AssetsPath is { Length: > 0 })
        {
            return Path.GetFullPath(AssetsPath);
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "temporal-server", "ui", "build");
            if (File.Exists(Path.Combine(candidate, "index.html")))
            {
                return candidate;
            }
        }
        return null;
    }
}
