namespace EasyParkPlus.TestSupport;

/// <summary>
/// Where our Temporal-compatible server's executable is, for the SDK's <c>WorkflowEnvironment</c> helpers
/// (<c>TestServerOptions.ExistingPath</c>, <c>DevServerOptions.ExistingPath</c>) and for scripts: the apphost
/// <c>temporal-server/EasyParkPlus.TemporalServer/bin/{Configuration}/net10.0/EasyParkPlus.TemporalServer</c> of the
/// same build configuration as the tests, unless <c>EASYPARK_TEMPORAL_SERVER</c> names another one.
/// </summary>
public static class TemporalServerExecutable
{
    public const string EnvironmentVariable = "EASYPARK_TEMPORAL_SERVER";
    public const string Project = "temporal-server/EasyParkPlus.TemporalServer";

    public static string Path
    {
        get
        {
            if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
            {
                return File.Exists(configured) ? configured : throw new FileNotFoundException($"{EnvironmentVariable} names no file", configured);
            }
            var assembly = ServiceProcess.BuiltAssembly(Project);
            var apphost = System.IO.Path.ChangeExtension(assembly, OperatingSystem.IsWindows() ? ".exe" : null);
            return File.Exists(apphost) ? apphost : throw new FileNotFoundException("Build the solution first: the server's apphost is missing.", apphost);
        }
    }
}
