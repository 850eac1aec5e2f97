using System.Diagnostics;
using EasyParkPlus.TestSupport;

namespace EasyParkPlus.Engine.Tests.Recovery;

/// <summary>An engine worker running as a separate OS process (the bench tool's `worker` mode).</summary>
internal sealed class WorkerProcessHandle : IAsyncDisposable
{
    private readonly Process _process;

    private WorkerProcessHandle(Process process) => _process = process;

    public int ProcessId => _process.Id;

    public static async Task<WorkerProcessHandle> StartAsync(string connectionString, string name, params string[] extra)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The bench tool hosts the worker processes.
        info.ArgumentList.Add(ServiceProcess.BuiltAssembly("bench/EasyParkPlus.Bench"));
        foreach (var argument in new[] { "worker", "--connection", connectionString, "--name", name }.Concat(extra))
        {
            info.ArgumentList.Add(argument);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the worker process");
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        var handle = new WorkerProcessHandle(process);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line == "ready")
            {
                return handle;
            }
        }
        await handle.DisposeAsync();
        lock (errors)
        {
            throw new InvalidOperationException($"worker {name} exited before it was ready: {errors}");
        }
    }

    /// <summary>Waits for the process to end and returns its exit code (137 after SIGKILL).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
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
}
