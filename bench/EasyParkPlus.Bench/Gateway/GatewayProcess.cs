using System.Diagnostics;
using System.Globalization;

namespace EasyParkPlus.Bench.Gateway;

/// <summary>
/// The built gateway (ocpp-gateway/EasyParkPlus.OcppGateway, production configuration and workflow routing) started as a
/// process of its own on a free loopback port, its log in a file. Memory and CPU are read from /proc/PID.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private GatewayProcess(Process process, StreamWriter log, Uri url, string logPath)
    {
        _process = process;
        _log = log;
        Url = url;
        LogPath = logPath;
    }

    public Uri Url { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    public static async Task<GatewayProcess> StartAsync(string dll, string connectionString, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"The gateway is not built at {dll}; build bench/EasyParkPlus.Bench in Release (./easypark bench does).", dll);
        }
        var port = Machine.FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = url.ToString().TrimEnd('/');
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["EASYPARK_POSTGRES"] = connectionString;
        start.Environment["EASYPARK_GATEWAY_INTERNAL_KEY"] = Convert.ToHexString(Guid.NewGuid().ToByteArray()) + "bench";
        // The bench sends no internal commands; a free port keeps it clear of a gateway `./easypark run` started.
        start.Environment["EASYPARK_GATEWAY_INTERNAL_LISTEN"] = "http://127.0.0.1:0";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        var logPath = Path.Combine(Path.GetTempPath(), $"easypark-bench-gateway-{Environment.ProcessId}.log");
        var log = new StreamWriter(logPath) { AutoFlush = false };
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        // Both streams are drained into the log file so a full pipe never stalls the gateway.
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var gateway = new GatewayProcess(process, log, url, logPath);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited during start-up (code {process.ExitCode}); see {logPath}.");
            }
            try
            {
                using var ready = await http.GetAsync(new Uri(url, "health/ready"), ct);
                if (ready.IsSuccessStatusCode)
                {
                    return gateway;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // Slow to answer while starting.
            }
            await Task.Delay(200, ct);
        }
        await gateway.DisposeAsync();
        throw new TimeoutException($"The gateway was not ready after 60 s; see {logPath}.");
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (log)
        {
            log.WriteLine(line);
        }
    }

    /// <summary>VmRSS and VmHWM from /proc/PID/status, in KiB.</summary>
    public (long RssKiB, long PeakKiB) Memory()
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kib(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kib(line);
            }
        }
        return (rss, peak);

        static long Kib(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>User plus system CPU time the gateway has used (utime + stime of /proc/PID/stat).</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        // Fields after the command name, which is in parentheses and may contain spaces.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
    }


    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        lock (_log)
        {
            _log.Flush();
        }
        await _log.DisposeAsync();
    }
}
