namespace EasyParkPlus.Bench;

/// <summary>What every benchmark prints beside its figures, and where it finds the programs it starts.</summary>
internal static class Machine
{
    /// <summary>The 1-, 5- and 15-minute load averages: figures mean little without them.</summary>
    public static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>
    /// A file of another project built in this tool's configuration:
    /// bench/EasyParkPlus.Bench/bin/{Configuration}/{tfm}/ -> {folder}/{project}/bin/{Configuration}/{tfm}/{file}.
    /// </summary>
    public static string BuiltFile(string folder, string project, string file)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent!;
        var root = configuration.Parent!.Parent!.Parent!.Parent!;
        var path = Path.Combine(root.FullName, folder, project, "bin", configuration.Name, output.Name, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built at {path}; ./easypark bench builds it.", path);
    }

    /// <summary>A loopback port free at the moment of asking.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
