using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace EasyParkPlus.TestSupport;

/// <summary>
/// One of our services (the api, the worker or the gateway) as its own OS process, started from the build output the way
/// `./easypark run` starts it: configured only by environment variables, on a loopback port it picks itself.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Where the service listens, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    private readonly TaskCompletionSource<Uri> _internalAddress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The gateway's internal command API, on its own port, which the gateway logs once it has started.</summary>
    public Task<Uri> InternalAddressAsync() => _internalAddress.Task.WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>Everything the process wrote so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="project"/> (a path under the repository root, e.g. "api/EasyParkPlus.Api") and returns
    /// once Kestrel reports its address, which it does after the host (migrations, seeding, workers) has started.
    /// </summary>
    public static Task<ServiceProcess> StartAsync(string project, IReadOnlyDictionary<string, string> environment) =>
        StartAsync(project, environment, listens: true);

    /// <summary>
    /// Starts a service with no HTTP port (the worker) and returns once its host reports it has started, which needs
    /// Microsoft.Hosting.Lifetime logging at Information; <see cref="BaseAddress"/> stays unset.
    /// </summary>
    public static Task<ServiceProcess> StartWorkerAsync(string project, IReadOnlyDictionary<string, string> environment) =>
        StartAsync(project, environment, listens: false);

    private static async Task<ServiceProcess> StartAsync(string project, IReadOnlyDictionary<string, string> environment, bool listens)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(BuiltAssembly(project));
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        info.Environment["EASYPARK_GATEWAY_INTERNAL_LISTEN"] = "http://127.0.0.1:0";
        info.Environment["Logging__LogLevel__EasyParkPlus.OcppGateway.Internal.InternalListener"] = "Information";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {project}");
        var service = new ServiceProcess(process, Path.GetFileName(project));
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (service._output)
            {
                service._output.AppendLine(line);
            }
            if (InternalListeningOn().Match(line) is { Success: true } internalMatch)
            {
                service._internalAddress.TrySetResult(new Uri(internalMatch.Groups[1].Value + "/"));
            }
            else if (listens && ListeningOn().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value + "/"));
            }
            else if (!listens && line.Contains("Application started", StringComparison.Ordinal))
            {
                listening.TrySetResult(new Uri("about:blank"));
            }
        }
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        // Generous: on a machine loaded by several builds a cold start takes over a minute.
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(180)));
        if (first != listening.Task)
        {
            await service.DisposeAsync();
            throw new InvalidOperationException($"{project} did not start:\n{service.Output}");
        }
        if (listens)
        {
            service.BaseAddress = await listening.Task;
        }
        return service;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    /// <summary>
    /// The build output of <paramref name="project"/> (a path under the repository root) in the configuration the
    /// running tests were built in, e.g. api/EasyParkPlus.Api/bin/Debug/net10.0/EasyParkPlus.Api.dll.
    /// </summary>
    public static string BuiltAssembly(string project)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var path = Path.Combine(RepositoryRoot(), project, "bin", configuration, "net10.0", Path.GetFileName(project) + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {project} runs from its build output.", path);
    }

    /// <summary>The checkout the running tests were built in (the folder holding EasyParkPlus.sln and ./easypark).</summary>
    public static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "EasyParkPlus.sln")))
        {
            root = root.Parent;
        }
        return root?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    // The address may be quoted (Serilog renders string values in quotes, escaped inside its JSON line).
    [GeneratedRegex(@"Now listening on: \\?""?(http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();

    [GeneratedRegex(@"Internal command API listening on: \\?""?(http://127\.0\.0\.1:\d+)")]
    private static partial Regex InternalListeningOn();
}
